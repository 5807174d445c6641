// Server-side key backup: versions, keys at all three levels, etag/count, the replacement rule and errors.
import { beforeAll, describe, expect, it } from "vitest";
import { call, device, type Json, type TestDevice } from "./e2ee-helpers";

const ALG = "m.megolm_backup.v1.curve25519-aes-sha2";
const ROOM = "!backup:example.org";
const ROOM_Q = encodeURIComponent(ROOM);
let alice: TestDevice;

const key = (first: number, forwarded: number, verified: boolean, tag: string) => ({
	first_message_index: first,
	forwarded_count: forwarded,
	is_verified: verified,
	session_data: { ephemeral: `e-${tag}`, ciphertext: `c-${tag}`, mac: `m-${tag}` },
});

async function newVersion(): Promise<string> {
	const res = await call(alice, "POST", "/v3/room_keys/version", { algorithm: ALG, auth_data: { public_key: "pk", signatures: {} } });
	expect(res.status).toBe(200);
	return res.body.version as string;
}

beforeAll(async () => {
	alice = await device("balice", "BACKUPDEV");
});

describe("/room_keys/version", () => {
	it("answers M_NOT_FOUND before any backup exists", async () => {
		expect(await call(alice, "GET", "/v3/room_keys/version")).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
	});

	it("creates, reads, updates and deletes versions", async () => {
		const v = await newVersion();
		const current = await call(alice, "GET", "/v3/room_keys/version");
		expect(current.body).toEqual({ version: v, algorithm: ALG, auth_data: { public_key: "pk", signatures: {} }, count: 0, etag: "0" });
		expect((await call(alice, "GET", `/v3/room_keys/version/${v}`)).body).toEqual(current.body);
		expect(await call(alice, "PUT", `/v3/room_keys/version/${v}`, { algorithm: ALG, auth_data: { public_key: "pk2" }, version: v })).toEqual({ status: 200, body: {} });
		expect(((await call(alice, "GET", `/v3/room_keys/version/${v}`)).body.auth_data as Json).public_key).toBe("pk2");
		// Only auth_data may change, and a body version must match the path.
		expect((await call(alice, "PUT", `/v3/room_keys/version/${v}`, { algorithm: "other", auth_data: {} })).body.errcode).toBe("M_INVALID_PARAM");
		expect((await call(alice, "PUT", `/v3/room_keys/version/${v}`, { algorithm: ALG, auth_data: {}, version: "999" })).body.errcode).toBe("M_INVALID_PARAM");
		expect((await call(alice, "POST", "/v3/room_keys/version", { algorithm: ALG })).body.errcode).toBe("M_MISSING_PARAM");
		expect(await call(alice, "DELETE", `/v3/room_keys/version/${v}`)).toEqual({ status: 200, body: {} });
		// Deleting again succeeds; reading a deleted or unknown version is M_NOT_FOUND.
		expect((await call(alice, "DELETE", `/v3/room_keys/version/${v}`)).status).toBe(200);
		expect((await call(alice, "GET", `/v3/room_keys/version/${v}`)).body.errcode).toBe("M_NOT_FOUND");
		expect((await call(alice, "DELETE", "/v3/room_keys/version/12345")).body.errcode).toBe("M_NOT_FOUND");
		expect((await call(alice, "GET", "/v3/room_keys/version/abc")).body.errcode).toBe("M_NOT_FOUND");
	});
});

describe("/room_keys/keys", () => {
	it("stores at all three levels, changes the etag on every change, and counts", async () => {
		const v = await newVersion();
		const one = await call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}/s1?version=${v}`, key(5, 1, false, "a"));
		expect(one).toEqual({ status: 200, body: { etag: "1", count: 1 } });
		const room = await call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}?version=${v}`, { sessions: { s2: key(0, 0, true, "b") } });
		expect(room.body).toEqual({ etag: "2", count: 2 });
		const all = await call(alice, "PUT", `/v3/room_keys/keys?version=${v}`, { rooms: { "!other:example.org": { sessions: { s3: key(0, 0, false, "c") } } } });
		expect(all.body).toEqual({ etag: "3", count: 3 });
		expect((await call(alice, "GET", `/v3/room_keys/keys/${ROOM_Q}/s1?version=${v}`)).body).toEqual(key(5, 1, false, "a"));
		expect((await call(alice, "GET", `/v3/room_keys/keys/${ROOM_Q}?version=${v}`)).body).toEqual({ sessions: { s1: key(5, 1, false, "a"), s2: key(0, 0, true, "b") } });
		const everything = await call(alice, "GET", `/v3/room_keys/keys?version=${v}`);
		expect(Object.keys((everything.body.rooms as Json) ?? {}).sort()).toEqual(["!backup:example.org", "!other:example.org"]);
		expect((await call(alice, "GET", `/v3/room_keys/version/${v}`)).body).toMatchObject({ count: 3, etag: "3" });
		// Empty answers and a missing single key.
		expect((await call(alice, "GET", `/v3/room_keys/keys/${encodeURIComponent("!none:example.org")}?version=${v}`)).body).toEqual({ sessions: {} });
		expect((await call(alice, "GET", `/v3/room_keys/keys/${ROOM_Q}/nope?version=${v}`)).body.errcode).toBe("M_NOT_FOUND");
		// Deleting a session, then a room, then everything.
		expect((await call(alice, "DELETE", `/v3/room_keys/keys/${ROOM_Q}/s1?version=${v}`)).body).toEqual({ etag: "4", count: 2 });
		expect((await call(alice, "DELETE", `/v3/room_keys/keys/${ROOM_Q}?version=${v}`)).body).toEqual({ etag: "5", count: 1 });
		expect((await call(alice, "DELETE", `/v3/room_keys/keys?version=${v}`)).body).toEqual({ etag: "6", count: 0 });
		// Deleting nothing changes nothing.
		expect((await call(alice, "DELETE", `/v3/room_keys/keys?version=${v}`)).body).toEqual({ etag: "6", count: 0 });
	});

	it("keeps the better key: verified, then lower first_message_index, then lower forwarded_count", async () => {
		const v = await newVersion();
		const put = (k: Json) => call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}/s?version=${v}`, k);
		const get = async () => (await call(alice, "GET", `/v3/room_keys/keys/${ROOM_Q}/s?version=${v}`)).body;
		await put(key(3, 2, false, "start"));
		expect((await put(key(4, 0, false, "worse-index"))).body).toEqual({ etag: "1", count: 1 });
		expect(await get()).toEqual(key(3, 2, false, "start"));
		await put(key(3, 1, false, "fewer-forwards"));
		expect(await get()).toEqual(key(3, 1, false, "fewer-forwards"));
		await put(key(9, 9, true, "verified"));
		expect(await get()).toEqual(key(9, 9, true, "verified"));
		await put(key(0, 0, false, "unverified"));
		expect(await get()).toEqual(key(9, 9, true, "verified"));
		expect((await call(alice, "GET", `/v3/room_keys/version/${v}`)).body.etag).toBe("3");
	});

	it("refuses writes to a version that is not the current one, and bad input", async () => {
		const old = await newVersion();
		const current = await newVersion();
		const res = await call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}/s?version=${old}`, key(0, 0, false, "x"));
		expect(res).toEqual({ status: 403, body: { errcode: "M_WRONG_ROOM_KEYS_VERSION", error: "Wrong backup version", current_version: current } });
		expect((await call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}/s?version=99999`, key(0, 0, false, "x"))).status).toBe(404);
		expect((await call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}/s`, key(0, 0, false, "x"))).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call(alice, "PUT", `/v3/room_keys/keys/${ROOM_Q}/s?version=${current}`, { first_message_index: -1 })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(alice, "PUT", `/v3/room_keys/keys/not-a-room/s?version=${current}`, key(0, 0, false, "x"))).body.errcode).toBe("M_INVALID_PARAM");
		expect((await call(alice, "GET", `/v3/room_keys/version/${current}`)).body.count).toBe(0);
		// Another user's backup is not visible.
		const bob = await device("bbob", "BOBDEV");
		expect((await call(bob, "GET", `/v3/room_keys/version/${current}`)).body.errcode).toBe("M_NOT_FOUND");
	});
});
