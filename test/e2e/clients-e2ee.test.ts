// Two matrix-js-sdk clients with Rust crypto against one real server (`npm start`): an encrypted room
// (encrypted by default), messages both ways, cross-signing and key backup. Afterwards the server's
// persisted state is scanned: the plaintext of every message must be absent.
import { readFileSync } from "node:fs";
import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register, startCryptoClient, waitForDecryptedMessage } from "./matrix-clients";
import { Canaries, expectNoPlaintext } from "./plaintext-scan";
import { newStateDir, type RunningServer, startServer } from "./run-server";

let server: RunningServer;
let alice: MatrixClient;
let bob: MatrixClient;
let aliceAccount: Account;
let roomId: string;
/** Every plaintext we send; none may appear in the server's state. */
const canaries = new Canaries();

beforeAll(async () => {
	server = await startServer({ stateDir: newStateDir("e2ee"), env: { ENABLE_REGISTRATION: "true" } });
	aliceAccount = await register(server.baseUrl, "alice", "correct horse alice");
	const bobAccount = await register(server.baseUrl, "bob", "correct horse bob");
	[alice, bob] = await Promise.all([startCryptoClient(server.baseUrl, aliceAccount), startCryptoClient(server.baseUrl, bobAccount)]);
}, 120_000);

afterAll(async () => {
	alice?.stopClient();
	bob?.stopClient();
	await server?.stop();
});

describe("two Rust-crypto clients on one server", () => {
	it("alice creates a room (encrypted by default) and invites bob, who joins", async () => {
		const bobId = bob.getUserId()!;
		({ room_id: roomId } = await alice.createRoom({ preset: "private_chat" as never, invite: [bobId], name: "secret plans" }));
		await eventually(() => alice.getRoom(roomId)?.hasEncryptionStateEvent() === true, "alice sees m.room.encryption");
		await eventually(() => bob.getRoom(roomId)?.getMyMembership() === "invite", "bob sees the invite");
		await bob.joinRoom(roomId);
		await eventually(() => bob.getRoom(roomId)?.hasEncryptionStateEvent() === true, "bob sees m.room.encryption after joining by invite");
		await eventually(() => alice.getRoom(roomId)?.getMember(bobId)?.membership === "join", "alice sees bob joined");
	});

	it("messages go both ways and each side decrypts", async () => {
		const toBob = canaries.next("alice to bob");
		const bobGot = waitForDecryptedMessage(bob, roomId, toBob);
		await alice.sendTextMessage(roomId, toBob);
		const received = await bobGot;
		expect(received.isEncrypted()).toBe(true);
		expect(received.getWireType()).toBe("m.room.encrypted");

		const toAlice = canaries.next("bob to alice");
		const aliceGot = waitForDecryptedMessage(alice, roomId, toAlice);
		await bob.sendTextMessage(roomId, toAlice);
		expect((await aliceGot).getSender()).toBe(bob.getUserId());
	});

	it("bootstraps cross-signing (with user-interactive auth) and secret storage with key backup", async () => {
		const crypto = alice.getCrypto()!;
		await crypto.bootstrapCrossSigning({
			authUploadDeviceSigningKeys: async (makeRequest) => {
				try {
					await makeRequest(null);
				} catch (e) {
					const session = (e as { data?: { session?: string } }).data?.session;
					await makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: aliceAccount.userId }, password: aliceAccount.password, session });
				}
			},
		});
		await crypto.bootstrapSecretStorage({
			createSecretStorageKey: () => crypto.createRecoveryKeyFromPassphrase(),
			setupNewKeyBackup: true,
		});
		expect(await crypto.isCrossSigningReady()).toBe(true);
		expect(await crypto.isSecretStorageReady()).toBe(true);
		const backup = await crypto.checkKeyBackupAndEnable();
		expect(backup?.backupInfo.version).toBeTruthy();
		// The megolm session of the earlier messages reaches the server's backup.
		await eventually(async () => {
			const res = await fetch(`${server.baseUrl}/_matrix/client/v3/room_keys/version`, { headers: { authorization: `Bearer ${aliceAccount.accessToken}` } });
			return res.ok && ((await res.json()) as { count: number }).count > 0;
		}, "keys in the server-side backup");
	});

	it("after the run, the server's persisted state holds no plaintext of any message", async () => {
		const more = canaries.next("after backup");
		const bobGot = waitForDecryptedMessage(bob, roomId, more);
		await alice.sendTextMessage(roomId, more);
		await bobGot;
		alice.stopClient();
		bob.stopClient();
		await server.stop(); // flush SQLite WAL files to disk
		const { files, scannedBytes } = expectNoPlaintext(server.stateDir, canaries);
		expect(files.length).toBeGreaterThan(3);
		// The scan looked at real data: the room's name (not encrypted in Matrix) is there.
		expect(files.some((f) => readFileSync(f).includes(Buffer.from("secret plans")))).toBe(true);
		expect(scannedBytes).toBeGreaterThan(10_000);
		// No request traces either: npm start turns wrangler's local trace store off (scripts/start.mjs).
		expect(files.filter((f) => f.includes("observability"))).toEqual([]);
	});
});
