// matrix-js-sdk clients (no crypto needed here) against a real server (`npm start`): media upload,
// authenticated download and thumbnails, a display name change seen by another member, aliases, the
// public room directory, user directory search, push rules arriving through /sync, and a room preview
// (peeking into a world-readable room without joining it).
import { deflateSync } from "node:zlib";
import { ClientEvent, createClient, type MatrixClient, SyncState } from "matrix-js-sdk";
import { Preset, PushRuleActionName, PushRuleKind, Visibility } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";

let server: RunningServer;
let alice: MatrixClient;
let bob: MatrixClient;
let aliceAccount: Account;
let bobAccount: Account;

async function startPlainClient(account: Account): Promise<MatrixClient> {
	const client = createClient({ baseUrl: server.baseUrl, userId: account.userId, deviceId: account.deviceId, accessToken: account.accessToken });
	const prepared = new Promise<void>((ok, fail) => {
		client.on(ClientEvent.Sync, (state: SyncState) => {
			if (state === SyncState.Prepared) ok();
			else if (state === SyncState.Error) fail(new Error("initial sync failed"));
		});
	});
	await client.startClient({ initialSyncLimit: 10 });
	await prepared;
	return client;
}

/** A real PNG (RGB, 8 bits) made with zlib: `width`×`height`, a horizontal gradient. */
function png(width: number, height: number): Uint8Array<ArrayBuffer> {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (bytes: Uint8Array) => {
		let c = 0xffffffff;
		for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type: string, data: Uint8Array) => {
		const out = new Uint8Array(12 + data.length);
		const view = new DataView(out.buffer);
		view.setUint32(0, data.length);
		out.set(new TextEncoder().encode(type), 4);
		out.set(data, 8);
		view.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
		return out;
	};
	const ihdr = new Uint8Array(13);
	new DataView(ihdr.buffer).setUint32(0, width);
	new DataView(ihdr.buffer).setUint32(4, height);
	ihdr.set([8, 2, 0, 0, 0], 8);
	const raw = new Uint8Array(height * (1 + width * 3));
	for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([(x * 255) / width, 80, 160], y * (1 + width * 3) + 1 + x * 3);
	const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array())];
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let offset = 0;
	for (const p of parts) {
		out.set(p, offset);
		offset += p.length;
	}
	return out;
}

function pngSize(bytes: Uint8Array): [number, number] {
	const view = new DataView(bytes.buffer, bytes.byteOffset);
	return [view.getUint32(16), view.getUint32(20)];
}

beforeAll(async () => {
	// These clients have no crypto: new rooms here are unencrypted (ENCRYPT_NEW_ROOMS; the default is encrypted).
	server = await startServer({ stateDir: newStateDir("media-profile"), env: { ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" } });
	aliceAccount = await register(server.baseUrl, "alice", "correct horse alice");
	bobAccount = await register(server.baseUrl, "bob", "correct horse bob");
	[alice, bob] = await Promise.all([startPlainClient(aliceAccount), startPlainClient(bobAccount)]);
}, 120_000);

afterAll(async () => {
	alice?.stopClient();
	bob?.stopClient();
	await server?.stop();
});

describe("matrix-js-sdk against media, profile, directory and push rules", () => {
	let roomId = "";

	it("uploads an image, downloads it and a real thumbnail through authenticated media", async () => {
		const image = png(200, 100);
		const { content_uri } = await alice.uploadContent(new Blob([image], { type: "image/png" }), { name: "gradient.png", type: "image/png" });
		expect(content_uri).toMatch(/^mxc:\/\//);
		const auth = { Authorization: `Bearer ${bobAccount.accessToken}` };
		const download = await fetch(bob.mxcUrlToHttp(content_uri, undefined, undefined, undefined, false, false, true)!, { headers: auth });
		expect(download.status).toBe(200);
		expect(download.headers.get("content-disposition")).toBe('inline; filename="gradient.png"');
		expect(new Uint8Array(await download.arrayBuffer())).toEqual(image);
		const thumb = await fetch(bob.mxcUrlToHttp(content_uri, 96, 96, "crop", false, false, true)!, { headers: auth });
		expect(thumb.status).toBe(200);
		expect(pngSize(new Uint8Array(await thumb.arrayBuffer()))).toEqual([96, 96]);
		expect((await bob.getMediaConfig(true))["m.upload.size"]).toBe(50 * 1024 * 1024);
	});

	it("creates a public room with an alias that bob resolves and joins", async () => {
		const created = await alice.createRoom({ name: "Gallery", room_alias_name: "gallery", visibility: Visibility.Public, preset: Preset.PublicChat });
		roomId = created.room_id;
		const alias = `#gallery:${server.serverName}`;
		expect((await bob.getRoomIdForAlias(alias)).room_id).toBe(roomId);
		await bob.joinRoom(alias);
		await eventually(() => bob.getRoom(roomId)?.getMyMembership() === "join", "bob joined");
		await eventually(async () => (await bob.publicRooms()).chunk.some((r) => r.room_id === roomId && r.num_joined_members === 2), "room listed with 2 members");
	});

	it("alice's new display name reaches bob through her member event", async () => {
		await alice.setDisplayName("Alice Liddell");
		await eventually(() => bob.getRoom(roomId)?.getMember(aliceAccount.userId)?.name === "Alice Liddell", "bob sees the new name");
		expect((await bob.getProfileInfo(aliceAccount.userId)).displayname).toBe("Alice Liddell");
		const found = await bob.searchUserDirectory({ term: "liddell" });
		expect(found.results.map((r) => r.user_id)).toEqual([aliceAccount.userId]);
	});

	it("push rules: predefined rules, a new content rule, and m.push_rules arriving through /sync", async () => {
		const rules = await alice.getPushRules();
		expect(rules.global.override?.[0]?.rule_id).toBe(".m.rule.master");
		await alice.addPushRule("global", PushRuleKind.ContentSpecific, "cake", { pattern: "cake", actions: [PushRuleActionName.Notify] });
		expect((await alice.getPushRules()).global.content?.map((r) => r.rule_id)).toContain("cake");
		await eventually(() => alice.pushRules?.global.content?.some((r) => r.rule_id === "cake") === true, "m.push_rules via sync");
	});

	it("bob previews a world-readable room he is not in (peekInRoom): its recent messages, then a new one as it is sent", async () => {
		const created = await alice.createRoom({
			name: "Reading room",
			preset: Preset.PublicChat,
			initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "world_readable" } }],
		});
		for (const body of ["first", "second", "third"]) await alice.sendTextMessage(created.room_id, body);
		const peeked = await bob.peekInRoom(created.room_id);
		const bodies = () => peeked.getLiveTimeline().getEvents().filter((e) => e.getType() === "m.room.message").map((e) => e.getContent().body as string);
		try {
			expect(bodies()).toEqual(["first", "second", "third"]);
			expect(peeked.name).toBe("Reading room");
			expect(peeked.getMyMembership()).not.toBe("join");
			// matrix-js-sdk's first /events asks from "now" (no token): let it reach the server before sending.
			await new Promise((r) => setTimeout(r, 1000));
			await alice.sendTextMessage(created.room_id, "fourth, live");
			await eventually(() => bodies().includes("fourth, live"), "the new message in bob's preview");
			expect(bodies()).toEqual(["first", "second", "third", "fourth, live"]);
		} finally {
			bob.stopPeeking();
		}
	});
});
