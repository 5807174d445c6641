// The E2EE relay end to end: two real servers by the run contract federating over loopback HTTP, and
// matrix-js-sdk Rust-crypto clients. alice@hs1 creates a room (encrypted by default), bob@hs2 joins by
// room ID and via, and messages go both ways and decrypt on the other side: remote /keys/query and
// /keys/claim go through the bridge, Olm room-key shares travel as m.direct_to_device EDUs, and device
// lists are tracked across servers. Then bob logs in a second device; alice's client learns of it
// through device_lists and her next message decrypts there. Finally neither server's persisted state
// holds any plaintext.
// Spec: https://spec.matrix.org/latest/server-server-api/#end-to-end-encryption,
// https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user
import { readFileSync } from "node:fs";
import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register, startCryptoClient, waitForDecryptedMessage } from "./matrix-clients";
import { Canaries, expectNoPlaintext } from "./plaintext-scan";
import { newStateDir, type RunningServer, startServer } from "./run-server";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true" };
let hs1: RunningServer;
let hs2: RunningServer;
let alice: MatrixClient;
let bob: MatrixClient;
let bob2: MatrixClient | undefined;
let bobAccount: Account;
let roomId: string;
/** Every plaintext sent; none may appear in either server's state. */
const canaries = new Canaries();

/** Logs `account`'s user in again with a password: a new device with its own access token. */
async function loginNewDevice(server: RunningServer, account: Account): Promise<Account> {
	const res = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: account.userId }, password: account.password }),
	});
	expect(res.status).toBe(200);
	const body = (await res.json()) as { user_id: string; device_id: string; access_token: string };
	return { userId: body.user_id, deviceId: body.device_id, accessToken: body.access_token, password: account.password };
}

beforeAll(async () => {
	[hs1, hs2] = await Promise.all([
		startServer({ stateDir: newStateDir("fed-e2ee-hs1"), env: ENV, startTimeoutMs: 120_000 }),
		startServer({ stateDir: newStateDir("fed-e2ee-hs2"), env: ENV, startTimeoutMs: 120_000 }),
	]);
	let aliceAccount: Account;
	[aliceAccount, bobAccount] = await Promise.all([register(hs1.baseUrl, "alice", "alice-password-1"), register(hs2.baseUrl, "bob", "bob-password-1")]);
	[alice, bob] = await Promise.all([startCryptoClient(hs1.baseUrl, aliceAccount), startCryptoClient(hs2.baseUrl, bobAccount)]);
}, 240_000);

afterAll(async () => {
	alice?.stopClient();
	bob?.stopClient();
	bob2?.stopClient();
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("end-to-end encryption across two federating servers", () => {
	it("alice@hs1 creates a room (encrypted by default) and bob@hs2 joins it by room ID and via", async () => {
		({ room_id: roomId } = await alice.createRoom({ preset: "public_chat" as never, name: "federated secrets" }));
		await eventually(() => alice.getRoom(roomId)?.hasEncryptionStateEvent() === true, "alice sees m.room.encryption");
		await bob.joinRoom(roomId, { viaServers: [hs1.serverName] });
		await eventually(() => bob.getRoom(roomId)?.hasEncryptionStateEvent() === true, "bob sees m.room.encryption after the remote join");
		await eventually(() => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === "join", "alice sees bob joined", 30_000);
	}, 60_000);

	it("messages go both ways and decrypt on the other server", async () => {
		const toBob = canaries.next("alice to bob");
		const bobGot = waitForDecryptedMessage(bob, roomId, toBob, 45_000);
		await alice.sendTextMessage(roomId, toBob);
		const received = await bobGot;
		expect(received.isEncrypted()).toBe(true);
		expect(received.getWireType()).toBe("m.room.encrypted");
		expect(received.getSender()).toBe(alice.getUserId());

		const toAlice = canaries.next("bob to alice");
		const aliceGot = waitForDecryptedMessage(alice, roomId, toAlice, 45_000);
		await bob.sendTextMessage(roomId, toAlice);
		const got = await aliceGot;
		expect(got.isEncrypted()).toBe(true);
		expect(got.getSender()).toBe(bob.getUserId());
	}, 120_000);

	it("bob's second device shows up in alice's device list and decrypts her next message", async () => {
		const second = await loginNewDevice(hs2, bobAccount);
		expect(second.deviceId).not.toBe(bobAccount.deviceId);
		bob2 = await startCryptoClient(hs2.baseUrl, second);
		// alice's client hears of the new device through /sync device_lists.changed (a remote
		// m.device_list_update), then fetches its keys through hs1's bridge.
		await eventually(
			async () => {
				const devices = await alice.getCrypto()!.getUserDeviceInfo([bob.getUserId()!], true);
				return devices.get(bob.getUserId()!)?.has(second.deviceId) === true;
			},
			"alice's client knows bob's second device",
			45_000,
		);
		await eventually(() => bob2!.getRoom(roomId)?.getMyMembership() === "join", "bob's second device sees the room");
		const toBoth = canaries.next("alice to both bob devices");
		const onFirst = waitForDecryptedMessage(bob, roomId, toBoth, 45_000);
		const onSecond = waitForDecryptedMessage(bob2, roomId, toBoth, 45_000);
		await alice.sendTextMessage(roomId, toBoth);
		expect((await onSecond).getSender()).toBe(alice.getUserId());
		expect((await onFirst).isEncrypted()).toBe(true);
	}, 150_000);

	it("neither server's persisted state holds the plaintext of any message", async () => {
		alice.stopClient();
		bob.stopClient();
		bob2?.stopClient();
		await Promise.all([hs1.stop(), hs2.stop()]); // flush SQLite WAL files to disk
		for (const server of [hs1, hs2]) {
			const { files, scannedBytes } = expectNoPlaintext(server.stateDir, canaries);
			// The scan looked at real data: the room's name (not encrypted in Matrix) is on both servers.
			expect(files.some((f) => readFileSync(f).includes(Buffer.from("federated secrets"))), server.serverName).toBe(true);
			expect(scannedBytes).toBeGreaterThan(10_000);
		}
	}, 60_000);
});
