// A legacy libolm client and a matrix-js-sdk Rust-crypto client in one encrypted room on a real server:
// Olm sessions through /keys/claim and /sendToDevice, Megolm through the room, decrypting both ways.
import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LegacyOlmClient } from "./legacy-olm-client";
import { eventually, register, startCryptoClient, waitForDecryptedMessage } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";

let server: RunningServer;
let rust: MatrixClient;
let legacy: LegacyOlmClient;
let roomId: string;

beforeAll(async () => {
	server = await startServer({ stateDir: newStateDir("olm"), env: { ENABLE_REGISTRATION: "true" } });
	const [rustAccount, legacyAccount] = [await register(server.baseUrl, "rusty", "password rusty 1"), await register(server.baseUrl, "legacy", "password legacy 1")];
	legacy = await LegacyOlmClient.create(server.baseUrl, legacyAccount);
	await legacy.uploadKeys(10);
	rust = await startCryptoClient(server.baseUrl, rustAccount);
	({ room_id: roomId } = await rust.createRoom({ preset: "private_chat" as never, invite: [legacyAccount.userId] }));
	await legacy.api("POST", `/join/${encodeURIComponent(roomId)}`, {});
	await eventually(() => rust.getRoom(roomId)?.getMember(legacyAccount.userId)?.membership === "join", "rust client sees the legacy user joined");
}, 120_000);

afterAll(async () => {
	rust?.stopClient();
	await server?.stop();
});

describe("libolm client and Rust-crypto client", () => {
	it("the Rust client's Megolm message decrypts on the libolm client", async () => {
		const text = `to legacy ${crypto.randomUUID()}`;
		await rust.sendTextMessage(roomId, text);
		let clear: string | undefined;
		await eventually(async () => {
			await legacy.syncOnce(1000);
			clear = legacy.timeline.map((e) => legacy.decrypt(e)).find((p) => p?.content.body === text)?.content.body as string | undefined;
			return clear !== undefined;
		}, "libolm decrypts the message");
		expect(clear).toBe(text);
		// On the wire, the room only ever carried ciphertext.
		expect(legacy.timeline.filter((e) => e.type === "m.room.message")).toEqual([]);
	});

	it("the libolm client's Megolm message decrypts on the Rust client", async () => {
		const text = `from legacy ${crypto.randomUUID()}`;
		const got = waitForDecryptedMessage(rust, roomId, text);
		await legacy.sendEncrypted(roomId, rust.getUserId()!, text);
		const event = await got;
		expect(event.getSender()).toBe(legacy.me.userId);
		expect(event.isEncrypted()).toBe(true);
	});
});
