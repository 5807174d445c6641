// POST /keys/upload, /keys/query, /keys/claim and GET /keys/changes through the real worker and UserDOs.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { deviceListPosition, oneTimeKeyCounts, unusedFallbackKeyTypes } from "../../src/worker/user/e2ee/sync-sections";
import type { UserDO } from "../../src/worker/user/user-do";
import { call, device, deviceKeys, ed25519Key, joinRoom, type Json, oneTimeKeys, type TestDevice } from "./e2ee-helpers";

let alice: TestDevice;
let bob: TestDevice;

beforeAll(async () => {
	alice = await device("kalice", "ALICEPHONE");
	bob = await device("kbob", "BOBLAPTOP");
});

async function dlPosition(d: TestDevice): Promise<number> {
	return runInDurableObject(env.USER.getByName(d.userId), (_i: UserDO, state) => deviceListPosition(state.storage.sql));
}

describe("POST /keys/upload", () => {
	it("stores device keys and one-time keys and answers the counts", async () => {
		const keys = await deviceKeys(alice, await ed25519Key(alice.deviceId));
		const res = await call(alice, "POST", "/v3/keys/upload", { device_keys: keys, one_time_keys: oneTimeKeys("A", 3) });
		expect(res).toEqual({ status: 200, body: { one_time_key_counts: { signed_curve25519: 3 } } });
		const query = await call(bob, "POST", "/v3/keys/query", { device_keys: { [alice.userId]: [] } });
		expect(query.status).toBe(200);
		const got = (query.body.device_keys as Json)[alice.userId] as Json;
		// Exactly as uploaded (signatures included), plus the display name in `unsigned`.
		expect(got[alice.deviceId]).toEqual({ ...keys, unsigned: { device_display_name: "ALICEPHONE display" } });
		expect(query.body.failures).toEqual({});
	});

	it("refuses device_keys naming another user or device, storing nothing", async () => {
		const other = await deviceKeys({ ...alice, userId: bob.userId }, await ed25519Key(alice.deviceId));
		const res = await call(alice, "POST", "/v3/keys/upload", { device_keys: other, one_time_keys: oneTimeKeys("BAD", 2) });
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_INVALID_PARAM");
		const wrongDevice = await deviceKeys({ ...alice, deviceId: "OTHER" }, await ed25519Key("OTHER"));
		expect((await call(alice, "POST", "/v3/keys/upload", { device_keys: wrongDevice })).body.errcode).toBe("M_INVALID_PARAM");
		const counts = await call(alice, "POST", "/v3/keys/upload", {});
		expect(counts.body).toEqual({ one_time_key_counts: { signed_curve25519: 3 } });
	});

	it("refuses malformed key maps with M_BAD_JSON and a reused key ID with M_INVALID_PARAM", async () => {
		expect((await call(alice, "POST", "/v3/keys/upload", { one_time_keys: { "no-colon": "x" } })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(alice, "POST", "/v3/keys/upload", { one_time_keys: { "signed_curve25519:X": 5 } })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(alice, "POST", "/v3/keys/upload", { device_keys: "nope" })).body.errcode).toBe("M_BAD_JSON");
		// A retried upload of the same key is fine; the same ID for a different key is not.
		expect((await call(alice, "POST", "/v3/keys/upload", { one_time_keys: { "signed_curve25519:A0": { key: "otk-A-0" } } })).status).toBe(200);
		const clash = await call(alice, "POST", "/v3/keys/upload", { one_time_keys: { "signed_curve25519:A0": { key: "different" } } });
		expect(clash.body.errcode).toBe("M_INVALID_PARAM");
		expect((await call(alice, "POST", "/v3/keys/upload", {})).body).toEqual({ one_time_key_counts: { signed_curve25519: 3 } });
	});

	it("requires authentication", async () => {
		expect((await call(null, "POST", "/v3/keys/upload", {})).body.errcode).toBe("M_MISSING_TOKEN");
	});
});

describe("POST /keys/claim", () => {
	it("hands out the oldest key once; unknown users and devices are absent; remote servers are failures", async () => {
		const res = await call(bob, "POST", "/v3/keys/claim", {
			one_time_keys: { [alice.userId]: { [alice.deviceId]: "signed_curve25519", NODEVICE: "signed_curve25519" }, "@nobody:example.org": { X: "signed_curve25519" }, [`@ghost:${env.SERVER_NAME}`]: { X: "signed_curve25519" } },
		});
		expect(res.status).toBe(200);
		expect(res.body.one_time_keys).toEqual({ [alice.userId]: { [alice.deviceId]: { "signed_curve25519:A0": { key: "otk-A-0" } } } });
		expect(res.body.failures).toEqual({ "example.org": {} });
	});

	it("gives 20 concurrent claims on 10 one-time keys 10 distinct keys, then the fallback key, never a duplicate", async () => {
		const target = await device("kcarol", "CAROLDEV");
		await call(target, "POST", "/v3/keys/upload", {
			one_time_keys: oneTimeKeys("C", 10),
			fallback_keys: { "signed_curve25519:FB1": { key: "fallback-1", fallback: true } },
		});
		const claims = await Promise.all(
			Array.from({ length: 20 }, () => call(bob, "POST", "/v3/keys/claim", { one_time_keys: { [target.userId]: { CAROLDEV: "signed_curve25519" } } })),
		);
		const ids = claims.map((r) => Object.keys(((r.body.one_time_keys as Json)[target.userId] as Json).CAROLDEV as Json)[0]!);
		const otks = ids.filter((id) => id !== "signed_curve25519:FB1");
		expect(otks).toHaveLength(10);
		expect(new Set(otks).size).toBe(10);
		expect(ids.filter((id) => id === "signed_curve25519:FB1")).toHaveLength(10);
		await runInDurableObject(env.USER.getByName(target.userId), (_i: UserDO, state) => {
			expect(oneTimeKeyCounts(state.storage.sql, "CAROLDEV")).toEqual({ signed_curve25519: 0 });
			// The fallback key was used: sync stops listing it as unused, but it is not deleted.
			expect(unusedFallbackKeyTypes(state.storage.sql, "CAROLDEV")).toEqual([]);
		});
		// Re-uploading the same fallback key keeps it used; a new one is unused again and replaces it.
		await call(target, "POST", "/v3/keys/upload", { fallback_keys: { "signed_curve25519:FB1": { key: "fallback-1", fallback: true } } });
		await runInDurableObject(env.USER.getByName(target.userId), (_i: UserDO, state) => {
			expect(unusedFallbackKeyTypes(state.storage.sql, "CAROLDEV")).toEqual([]);
		});
		await call(target, "POST", "/v3/keys/upload", { fallback_keys: { "signed_curve25519:FB2": { key: "fallback-2", fallback: true } } });
		await runInDurableObject(env.USER.getByName(target.userId), (_i: UserDO, state) => {
			expect(unusedFallbackKeyTypes(state.storage.sql, "CAROLDEV")).toEqual(["signed_curve25519"]);
		});
		const again = await call(bob, "POST", "/v3/keys/claim", { one_time_keys: { [target.userId]: { CAROLDEV: "signed_curve25519" } } });
		expect(again.body.one_time_keys).toEqual({ [target.userId]: { CAROLDEV: { "signed_curve25519:FB2": { key: "fallback-2", fallback: true } } } });
	});

	it("refuses a malformed request", async () => {
		expect((await call(bob, "POST", "/v3/keys/claim", {})).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call(bob, "POST", "/v3/keys/claim", { one_time_keys: { [alice.userId]: { X: 1 } } })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(bob, "POST", "/v3/keys/claim", { one_time_keys: { "not-a-user": { X: "a" } } })).body.errcode).toBe("M_INVALID_PARAM");
	});
});

describe("device-list changes", () => {
	it("tells users who share a room, and the uploader's other devices, when device keys change", async () => {
		const dan = await device("kdan", "DANPHONE");
		const erin = await device("kerin", "ERINPHONE");
		const stranger = await device("kstranger", "STRANGER");
		await joinRoom(dan.userId, "!shared:test");
		await joinRoom(erin.userId, "!shared:test");
		const [erinBefore, strangerBefore, danBefore] = await Promise.all([dlPosition(erin), dlPosition(stranger), dlPosition(dan)]);
		const keys = await deviceKeys(dan, await ed25519Key(dan.deviceId));
		expect((await call(dan, "POST", "/v3/keys/upload", { device_keys: keys })).status).toBe(200);
		expect(await dlPosition(erin)).toBeGreaterThan(erinBefore);
		expect(await dlPosition(dan)).toBeGreaterThan(danBefore);
		expect(await dlPosition(stranger)).toBe(strangerBefore);
		const changes = await call(erin, "GET", `/v3/keys/changes?from=s0_0_${erinBefore}&to=s0_0_${await dlPosition(erin)}`);
		expect(changes).toEqual({ status: 200, body: { changed: [dan.userId], left: [] } });
		// The same keys again are no change: nobody is told twice.
		const after = await dlPosition(erin);
		await call(dan, "POST", "/v3/keys/upload", { device_keys: keys });
		expect(await dlPosition(erin)).toBe(after);
		const empty = await call(erin, "GET", `/v3/keys/changes?from=s0_0_${after}&to=s0_0_${after}`);
		expect(empty.body).toEqual({ changed: [], left: [] });
	});

	it("refuses missing or foreign tokens", async () => {
		expect((await call(alice, "GET", "/v3/keys/changes?from=s0_0_0")).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call(alice, "GET", "/v3/keys/changes?from=abc&to=s0_0_0")).body.errcode).toBe("M_INVALID_PARAM");
	});
});

describe("device deletion", () => {
	it("drops the device's keys with it (the schema's ON DELETE CASCADE is enforced)", async () => {
		const gone = await device("kgone", "GONEDEV");
		await call(gone, "POST", "/v3/keys/upload", {
			device_keys: await deviceKeys(gone, await ed25519Key(gone.deviceId)),
			one_time_keys: oneTimeKeys("G", 2),
			fallback_keys: { "signed_curve25519:GF": { key: "gf", fallback: true } },
		});
		expect(Object.keys(((await call(bob, "POST", "/v3/keys/query", { device_keys: { [gone.userId]: [] } })).body.device_keys as Json)[gone.userId] as Json)).toEqual(["GONEDEV"]);
		await env.USER.getByName(gone.userId).deleteDevices(["GONEDEV"]);
		expect((await call(bob, "POST", "/v3/keys/query", { device_keys: { [gone.userId]: [] } })).body.device_keys).toEqual({ [gone.userId]: {} });
		const claim = await call(bob, "POST", "/v3/keys/claim", { one_time_keys: { [gone.userId]: { GONEDEV: "signed_curve25519" } } });
		expect(claim.body.one_time_keys).toEqual({});
	});
});

describe("device deletion tells room mates", () => {
	it("puts the user in their device_lists.changed, whichever way the device goes", async () => {
		const fay = await device("kfay", "FAYPHONE");
		const gus = await device("kgus", "GUSPHONE");
		await joinRoom(fay.userId, "!deletion:test");
		await joinRoom(gus.userId, "!deletion:test");
		const before = await dlPosition(gus);
		await env.USER.getByName(fay.userId).deleteDevices(["FAYPHONE"]);
		const after = await dlPosition(gus);
		expect(after).toBeGreaterThan(before);
		const changes = await call(gus, "GET", `/v3/keys/changes?from=s0_0_${before}&to=s0_0_${after}`);
		expect(changes.body).toEqual({ changed: [fay.userId], left: [] });
		// Deleting nothing tells nobody.
		await env.USER.getByName(fay.userId).deleteDevices(["NOSUCHDEVICE"]);
		expect(await dlPosition(gus)).toBe(after);
	});
});

describe("POST /keys/query", () => {
	it("lists only asked-for devices, omits unknown users and refuses a bad shape", async () => {
		const res = await call(bob, "POST", "/v3/keys/query", { device_keys: { [alice.userId]: ["NOSUCH"], [`@ghost:${env.SERVER_NAME}`]: [] } });
		expect(res.body.device_keys).toEqual({ [alice.userId]: {} });
		expect((await call(bob, "POST", "/v3/keys/query", { device_keys: { [alice.userId]: "x" } })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(bob, "POST", "/v3/keys/query", {})).body.errcode).toBe("M_MISSING_PARAM");
	});
});
