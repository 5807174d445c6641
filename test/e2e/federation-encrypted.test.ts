// The E2EE relay end to end: two real servers by the run contract federating over loopback HTTP, and
// matrix-js-sdk Rust-crypto clients. alice@hs1 creates a room (encrypted by default) and invites bob@hs2
// (invite v2), bob joins through the invite, and messages go both ways and decrypt on the other side:
// remote /keys/query and /keys/claim go through the bridge, Olm room-key shares travel as
// m.direct_to_device EDUs, and device lists are tracked across servers. Typing notices and read receipts
// cross both ways (m.typing / m.receipt EDUs) and show in the other side's /sync. Then bob logs in a
// second device; alice's client learns of it through device_lists and her next message decrypts there.
// Finally neither server's persisted state holds any plaintext.
// Spec: https://spec.matrix.org/latest/server-server-api/#end-to-end-encryption,
// https://spec.matrix.org/latest/server-server-api/#inviting-to-a-room, #typing-notifications, #receipts,
// https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user
import { readFileSync } from "node:fs";
import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register, startCryptoClient, waitForDecryptedMessage } from "./matrix-clients";
import { Canaries, expectNoPlaintext } from "./plaintext-scan";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { call } from "./server-call";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true" };
let hs1: RunningServer;
let hs2: RunningServer;
let alice: MatrixClient;
let bob: MatrixClient;
let bob2: MatrixClient | undefined;
let aliceAccount: Account;
let bobAccount: Account;
let roomId: string;
/** The event IDs of the first message each way: the receipts below point at them. */
let aliceToBobId: string;
let bobToAliceId: string;
/** Every plaintext sent; none may appear in either server's state. */
const canaries = new Canaries();

interface EphemeralEvent {
	type: string;
	content: Record<string, unknown>;
}

/** `who`'s /sync on `server` (incremental from `since` if given, never waiting): next_batch and the room's ephemeral events. */
async function syncEphemeral(server: RunningServer, who: Account, since?: string): Promise<{ nextBatch: string; ephemeral: EphemeralEvent[] }> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/sync?timeout=0${since === undefined ? "" : `&since=${encodeURIComponent(since)}`}`);
	expect(res.status).toBe(200);
	const rooms = res.body.rooms as { join?: Record<string, { ephemeral?: { events?: EphemeralEvent[] } }> } | undefined;
	return { nextBatch: res.body.next_batch as string, ephemeral: rooms?.join?.[roomId]?.ephemeral?.events ?? [] };
}

/** Whether `typist` is in an m.typing event of `events` (the full list of who is typing now). */
function showsTyping(events: EphemeralEvent[], typist: string): boolean {
	return events.some((e) => e.type === "m.typing" && (e.content.user_ids as string[] | undefined)?.includes(typist) === true);
}

/** Whether an m.receipt event of `events` says `reader` has read `eventId` (m.read). */
function showsReadReceipt(events: EphemeralEvent[], eventId: string, reader: string): boolean {
	return events.some((e) => {
		if (e.type !== "m.receipt") return false;
		const readers = (e.content[eventId] as { "m.read"?: Record<string, { ts?: unknown }> } | undefined)?.["m.read"];
		return typeof readers?.[reader]?.ts === "number";
	});
}

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
	it("alice@hs1 creates a room (encrypted by default) and invites bob@hs2; bob joins through the invite", async () => {
		({ room_id: roomId } = await alice.createRoom({ preset: "private_chat" as never, name: "federated secrets" }));
		await eventually(() => alice.getRoom(roomId)?.hasEncryptionStateEvent() === true, "alice sees m.room.encryption");
		await alice.invite(roomId, bob.getUserId()!);
		// The invite reached hs2 (invite v2) and bob's client sees it in /sync before any join.
		await eventually(() => bob.getRoom(roomId)?.getMyMembership() === "invite", "bob's client sees the invite", 30_000);
		// No via: bob's server joins through the server the invite came from.
		await bob.joinRoom(roomId);
		await eventually(() => bob.getRoom(roomId)?.hasEncryptionStateEvent() === true, "bob sees m.room.encryption after the remote join");
		await eventually(() => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === "join", "alice sees bob joined", 30_000);
	}, 90_000);

	it("messages go both ways and decrypt on the other server", async () => {
		const toBob = canaries.next("alice to bob");
		const bobGot = waitForDecryptedMessage(bob, roomId, toBob, 45_000);
		await alice.sendTextMessage(roomId, toBob);
		const received = await bobGot;
		expect(received.isEncrypted()).toBe(true);
		expect(received.getWireType()).toBe("m.room.encrypted");
		expect(received.getSender()).toBe(alice.getUserId());
		aliceToBobId = received.getId()!;

		const toAlice = canaries.next("bob to alice");
		const aliceGot = waitForDecryptedMessage(alice, roomId, toAlice, 45_000);
		await bob.sendTextMessage(roomId, toAlice);
		const got = await aliceGot;
		expect(got.isEncrypted()).toBe(true);
		expect(got.getSender()).toBe(bob.getUserId());
		bobToAliceId = got.getId()!;
	}, 120_000);

	it("typing and read receipts cross servers both ways and show in the other side's /sync", async () => {
		const room = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}`;
		const [aliceFrom, bobFrom] = await Promise.all([syncEphemeral(hs1, aliceAccount), syncEphemeral(hs2, bobAccount)]);
		expect(showsTyping(bobFrom.ephemeral, aliceAccount.userId)).toBe(false);
		expect(showsTyping(aliceFrom.ephemeral, bobAccount.userId)).toBe(false);

		// alice types on hs1: an m.typing EDU to hs2, in bob's /sync.
		await alice.sendTyping(roomId, true, 60_000);
		await eventually(async () => showsTyping((await syncEphemeral(hs2, bobAccount, bobFrom.nextBatch)).ephemeral, aliceAccount.userId), "alice typing in bob's /sync on hs2", 30_000);
		// bob reads alice's message on hs2: an m.receipt EDU to hs1, in alice's /sync.
		const bobRead = await call(hs2, bobAccount, "POST", `${room}/receipt/m.read/${encodeURIComponent(aliceToBobId)}`, {});
		expect(bobRead.status, JSON.stringify(bobRead.body)).toBe(200);
		await eventually(
			async () => showsReadReceipt((await syncEphemeral(hs1, aliceAccount, aliceFrom.nextBatch)).ephemeral, aliceToBobId, bobAccount.userId),
			"bob's m.read receipt in alice's /sync on hs1",
			30_000,
		);

		// And the other way: bob types on hs2, alice reads bob's message on hs1.
		await bob.sendTyping(roomId, true, 60_000);
		await eventually(async () => showsTyping((await syncEphemeral(hs1, aliceAccount, aliceFrom.nextBatch)).ephemeral, bobAccount.userId), "bob typing in alice's /sync on hs1", 30_000);
		const aliceRead = await call(hs1, aliceAccount, "POST", `${room}/receipt/m.read/${encodeURIComponent(bobToAliceId)}`, {});
		expect(aliceRead.status, JSON.stringify(aliceRead.body)).toBe(200);
		await eventually(
			async () => showsReadReceipt((await syncEphemeral(hs2, bobAccount, bobFrom.nextBatch)).ephemeral, bobToAliceId, aliceAccount.userId),
			"alice's m.read receipt in bob's /sync on hs2",
			30_000,
		);

		// Typing stops: alice's stop reaches hs2 too, and bob's next /sync has an m.typing without her.
		const beforeStop = await syncEphemeral(hs2, bobAccount, bobFrom.nextBatch);
		expect(showsTyping(beforeStop.ephemeral, aliceAccount.userId)).toBe(true);
		await alice.sendTyping(roomId, false, 0);
		await eventually(
			async () => {
				const { ephemeral } = await syncEphemeral(hs2, bobAccount, beforeStop.nextBatch);
				return ephemeral.some((e) => e.type === "m.typing") && !showsTyping(ephemeral, aliceAccount.userId);
			},
			"alice's typing stop in bob's /sync on hs2",
			30_000,
		);
	}, 150_000);

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
