// A target with real data made through the real API: two rooms with events (with known content and
// ciphertext markers), device keys, cross-signing keys, a pusher, media, and sessions at chosen times.
// Shared by the lawful-collect-*.test.ts files.
import { env, exports } from "cloudflare:workers";
import { hashToken } from "../../src/worker/user/access-token";
import { call, crossSigningKey, device, deviceKeys, ed25519Key, type TestDevice } from "./e2ee-helpers";

export const MARKERS = { plaintext: "CANARY-PLAINTEXT-7f3a", ciphertext: "CANARY-CIPHERTEXT-91bd", sessionId: "CANARY-SESSION-ID-4c2e", senderKey: "CANARY-SENDER-KEY-d81f" };
export const MEDIA_BYTES = "CANARY-MEDIA-BYTES-5e6a";

export interface Fixture {
	target: TestDevice;
	peer: TestDevice;
	rooms: string[];
	mediaId: string;
}

/** Waits until the D1 membership index lists the user as joined (the room's drain writes it after the reply). */
export async function waitIndexed(userId: string, roomId: string): Promise<void> {
	for (let i = 0; i < 100; i++) {
		const row = await env.DB.prepare("SELECT membership FROM room_memberships WHERE user_id = ?1 AND room_id = ?2").bind(userId, roomId).first<{ membership: string }>();
		if (row?.membership === "join") return;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error("membership never indexed");
}

export async function buildFixture(name: string, messagesPerRoom: number): Promise<Fixture> {
	const target = await device(`${name}-target`, "TARGETDEV");
	const peer = await device(`${name}-peer`, "PEERDEV");
	const rooms: string[] = [];
	for (let r = 0; r < 2; r++) {
		const created = await call(target, "POST", "/v3/createRoom", { preset: "private_chat", invite: [peer.userId] });
		if (created.status !== 200) throw new Error(JSON.stringify(created.body));
		const roomId = created.body.room_id as string;
		rooms.push(roomId);
		if ((await call(peer, "POST", `/v3/rooms/${encodeURIComponent(roomId)}/join`, {})).status !== 200) throw new Error("join failed");
		for (let i = 0; i < messagesPerRoom; i++) {
			const content = { algorithm: "m.megolm.v1.aes-sha2", ciphertext: `${MARKERS.ciphertext}-${i}`, session_id: MARKERS.sessionId, sender_key: MARKERS.senderKey, device_id: "TARGETDEV" };
			const sent = await call(target, "PUT", `/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/t${r}-${i}`, content);
			if (sent.status !== 200) throw new Error(JSON.stringify(sent.body));
		}
		await call(target, "PUT", `/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/plain${r}`, { msgtype: "m.text", body: MARKERS.plaintext });
		await waitIndexed(target.userId, roomId);
	}
	const key = await ed25519Key("TARGETDEV");
	await call(target, "POST", "/v3/keys/upload", { device_keys: await deviceKeys(target, key) });
	const master = await ed25519Key();
	await call(target, "POST", "/v3/keys/device_signing/upload", { master_key: await crossSigningKey(target.userId, "master", master) });
	const backup = await call(target, "POST", "/v3/room_keys/version", { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: { public_key: "CANARY-BACKUP-PUBKEY" } });
	if (backup.status === 200) {
		const version = backup.body.version as string;
		await call(target, "PUT", `/v3/room_keys/keys?version=${version}`, {
			rooms: { [rooms[0]!]: { sessions: { [MARKERS.sessionId]: { first_message_index: 0, forwarded_count: 0, is_verified: true, session_data: { ciphertext: "CANARY-BACKUP-DATA", ephemeral: "e", mac: "m" } } } } },
		});
	}
	await call(target, "POST", "/v3/pushers/set", {
		kind: "http", app_id: "org.example.app", pushkey: "push-key-1", app_display_name: "App", device_display_name: "Phone", lang: "en", data: { url: "https://push.example.org/_matrix/push/v1/notify" },
	});
	const res = await exports.default.fetch("http://localhost/_matrix/media/v3/upload", {
		method: "POST",
		headers: { authorization: `Bearer ${target.token}`, "content-type": "text/plain" },
		body: MEDIA_BYTES,
	});
	const mediaId = ((await res.json()) as { content_uri: string }).content_uri.split("/").pop()!;
	// Sessions at fixed times (2020 and 2024), so a window can include one and exclude the other.
	const stub = env.USER.getByName(target.userId);
	await stub.authenticate(await hashToken(target.token), "198.51.100.20", "OldClient/1", Date.UTC(2020, 0, 1));
	await stub.authenticate(await hashToken(target.token), "203.0.113.7", "NewClient/2", Date.UTC(2024, 0, 1));
	return { target, peer, rooms, mediaId };
}
