// Cross-signing: POST /keys/device_signing/upload (with UIA when replacing keys), POST /keys/signatures/upload,
// and what /keys/query shows to whom.
import { beforeAll, describe, expect, it } from "vitest";
import type { SigningKey } from "../../src/protocol/crypto/ed25519";
import { signJson } from "../../src/protocol/crypto/sign-json";
import { call, crossSigningKey, device, deviceKeys, ed25519Key, joinRoom, type Json, type TestDevice } from "./e2ee-helpers";

const PASSWORD = "alice's long password";
let alice: TestDevice;
let bob: TestDevice;
let aliceDeviceKey: SigningKey;
let aliceDeviceKeys: Json;
let master: SigningKey;
let ssk: SigningKey;
let usk: SigningKey;

async function upload(who: TestDevice, body: Json) {
	return call(who, "POST", "/v3/keys/device_signing/upload", body);
}

async function query(who: TestDevice, userId: string) {
	const res = await call(who, "POST", "/v3/keys/query", { device_keys: { [userId]: [] } });
	expect(res.status).toBe(200);
	return res.body as Record<string, Record<string, Json>>;
}

async function keySet(userId: string, m: SigningKey, s: SigningKey, u: SigningKey): Promise<Json> {
	return {
		master_key: await crossSigningKey(userId, "master", m),
		self_signing_key: await crossSigningKey(userId, "self_signing", s, m),
		user_signing_key: await crossSigningKey(userId, "user_signing", u, m),
	};
}

beforeAll(async () => {
	alice = await device("xalice", "ALICEDEV", PASSWORD);
	bob = await device("xbob", "BOBDEV", "bob's password");
	aliceDeviceKey = await ed25519Key(alice.deviceId);
	aliceDeviceKeys = await deviceKeys(alice, aliceDeviceKey);
	await call(alice, "POST", "/v3/keys/upload", { device_keys: aliceDeviceKeys });
	[master, ssk, usk] = await Promise.all([ed25519Key(), ed25519Key(), ed25519Key()]);
});

describe("POST /keys/device_signing/upload", () => {
	it("accepts the first keys without UIA; the user-signing key is shown only to its owner", async () => {
		const keys = await keySet(alice.userId, master, ssk, usk);
		expect(await upload(alice, keys)).toEqual({ status: 200, body: {} });
		const own = await query(alice, alice.userId);
		expect(own.master_keys![alice.userId]).toEqual(keys.master_key);
		expect(own.self_signing_keys![alice.userId]).toEqual(keys.self_signing_key);
		expect(own.user_signing_keys![alice.userId]).toEqual(keys.user_signing_key);
		const seenByBob = await query(bob, alice.userId);
		expect(seenByBob.master_keys![alice.userId]).toEqual(keys.master_key);
		expect(seenByBob.user_signing_keys).toEqual({});
		// The same keys again need no UIA either.
		expect((await upload(alice, keys)).status).toBe(200);
	});

	it("requires the password to replace the master key, and refuses a wrong one", async () => {
		const newMaster = await ed25519Key();
		const keys = await keySet(alice.userId, newMaster, ssk, usk);
		const challenge = await upload(alice, keys);
		expect(challenge.status).toBe(401);
		expect(challenge.body.flows).toEqual([{ stages: ["m.login.password"] }]);
		const session = challenge.body.session as string;
		const identifier = { type: "m.id.user", user: alice.userId };
		const wrong = await upload(alice, { ...keys, auth: { type: "m.login.password", identifier, password: "nope", session } });
		expect(wrong.status).toBe(401);
		expect(wrong.body.errcode).toBe("M_FORBIDDEN");
		expect((await query(alice, alice.userId)).master_keys![alice.userId]).toEqual(await crossSigningKey(alice.userId, "master", master));
		const ok = await upload(alice, { ...keys, auth: { type: "m.login.password", identifier, password: PASSWORD, session } });
		expect(ok).toEqual({ status: 200, body: {} });
		expect((await query(bob, alice.userId)).master_keys![alice.userId]).toEqual(keys.master_key);
		master = newMaster;
	});

	it("refuses keys not signed by the master key, or naming another user", async () => {
		const fresh = await device("xcarol", "CAROLDEV");
		const m = await ed25519Key();
		const unsigned = { master_key: await crossSigningKey(fresh.userId, "master", m), self_signing_key: await crossSigningKey(fresh.userId, "self_signing", await ed25519Key()) };
		expect((await upload(fresh, unsigned)).body.errcode).toBe("M_INVALID_SIGNATURE");
		const foreign = { master_key: await crossSigningKey(alice.userId, "master", m) };
		expect((await upload(fresh, foreign)).body.errcode).toBe("M_INVALID_PARAM");
		expect((await query(fresh, fresh.userId)).master_keys).toEqual({});
	});
});

describe("POST /keys/signatures/upload", () => {
	it("stores a self-signing signature over a device and shows it in /keys/query; tells room mates", async () => {
		await joinRoom(alice.userId, "!xs:test");
		await joinRoom(bob.userId, "!xs:test");
		const before = await call(bob, "GET", "/v3/sync?timeout=0");
		const signed = await signJson(aliceDeviceKeys, alice.userId, ssk);
		const res = await call(alice, "POST", "/v3/keys/signatures/upload", { [alice.userId]: { [alice.deviceId]: signed } });
		expect(res).toEqual({ status: 200, body: { failures: {} } });
		const shown = (await query(bob, alice.userId)).device_keys![alice.userId]![alice.deviceId] as Json;
		expect((shown.signatures as Record<string, Json>)[alice.userId]).toEqual({
			[`ed25519:${alice.deviceId}`]: (aliceDeviceKeys.signatures as Record<string, Json>)[alice.userId]![`ed25519:${alice.deviceId}`],
			[ssk.keyId]: (signed.signatures as Record<string, Json>)[alice.userId]![ssk.keyId],
		});
		expect(before.status).toBe(200);
		const after = await call(bob, "GET", `/v3/sync?timeout=0&since=${encodeURIComponent(before.body.next_batch as string)}`);
		expect((after.body.device_lists as Json | undefined)?.changed).toContain(alice.userId);
	});

	it("reports bad signatures and unknown keys in failures, storing nothing for them", async () => {
		const forged = await signJson(aliceDeviceKeys, alice.userId, await ed25519Key(ssk.keyId.slice("ed25519:".length)));
		const res = await call(alice, "POST", "/v3/keys/signatures/upload", { [alice.userId]: { [alice.deviceId]: forged, NOSUCHKEY: { a: 1 } } });
		expect(res.status).toBe(200);
		const failures = res.body.failures as Record<string, Record<string, Json>>;
		expect(failures[alice.userId]![alice.deviceId]!.errcode).toBe("M_INVALID_SIGNATURE");
		expect(failures[alice.userId]!.NOSUCHKEY!.errcode).toBe("M_NOT_FOUND");
		expect((await call(alice, "POST", "/v3/keys/signatures/upload", { [alice.userId]: "x" })).body.errcode).toBe("M_BAD_JSON");
	});

	it("lets a user sign another user's master key with their user-signing key, visible only to the signer", async () => {
		const [bm, bs, bu] = await Promise.all([ed25519Key(), ed25519Key(), ed25519Key()]);
		const bobKeys = await keySet(bob.userId, bm, bs, bu);
		expect((await upload(bob, bobKeys)).status).toBe(200);
		const signed = await signJson(bobKeys.master_key as Json, alice.userId, usk);
		const res = await call(alice, "POST", "/v3/keys/signatures/upload", { [bob.userId]: { [bm.publicKeyBase64]: signed } });
		expect(res.body).toEqual({ failures: {} });
		const aliceView = (await query(alice, bob.userId)).master_keys![bob.userId]!;
		expect((aliceView.signatures as Record<string, Json>)[alice.userId]).toEqual({ [usk.keyId]: (signed.signatures as Record<string, Json>)[alice.userId]![usk.keyId] });
		const bobView = (await query(bob, bob.userId)).master_keys![bob.userId]!;
		expect((bobView.signatures as Record<string, Json> | undefined)?.[alice.userId]).toBeUndefined();
		// Signed with the wrong key: refused.
		const wrong = await signJson(bobKeys.master_key as Json, alice.userId, await ed25519Key(usk.keyId.slice("ed25519:".length)));
		const bad = await call(alice, "POST", "/v3/keys/signatures/upload", { [bob.userId]: { [bm.publicKeyBase64]: wrong } });
		expect(((bad.body.failures as Record<string, Record<string, Json>>)[bob.userId]![bm.publicKeyBase64]!).errcode).toBe("M_INVALID_SIGNATURE");
	});
});
