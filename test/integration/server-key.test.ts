// Our signing key: generated once and kept in D1, agreed on by racing first starts, rotated into
// old_verify_keys, or taken from SIGNING_KEY (which rotation then refuses).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateKeyId } from "../../src/platform/signing-key/key-id";
import { insertCurrentKeyIfNone, selectKeys } from "../../src/platform/signing-key/own-key-store";
import { getServerKeys, rotateServerKey } from "../../src/platform/signing-key/server-key";
import { signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { encodeBase64 } from "../../src/protocol/json/base64";
import { type ConfigSource, loadConfig } from "../../src/platform/config";
import { keysWithOurOwn } from "../../src/bridge/keys/own-key-source";

const testConfig = (extra: ConfigSource = {}) => loadConfig({ SERVER_NAME: "keys.test", ENVIRONMENT: "test", ...extra });

describe("generated signing key (development and test)", () => {
	it("is generated on first use, kept in D1 and stable", async () => {
		const keys = await getServerKeys(env.DB, testConfig());
		expect(keys.current.keyId).toMatch(/^ed25519:[A-Za-z0-9_]{6}$/);
		expect(keys.oldVerifyKeys).toEqual({});
		const rows = await selectKeys(env.DB);
		expect(rows).toEqual([expect.objectContaining({ key_id: keys.current.keyId, expired_ts: null })]);
		// A fresh isolate (new config object, so no memo) reads the same key back.
		expect((await getServerKeys(env.DB, testConfig())).current.publicKeyBase64).toBe(keys.current.publicKeyBase64);
	});

	it("racing first starts agree on one current key", async () => {
		const current = (await selectKeys(env.DB)).find((r) => r.expired_ts === null)!;
		const seed = encodeBase64(new Uint8Array(32).fill(1));
		const [a, b] = await Promise.all([
			insertCurrentKeyIfNone(env.DB, { key_id: generateKeyId(), seed, created_ts: 1 }),
			insertCurrentKeyIfNone(env.DB, { key_id: generateKeyId(), seed, created_ts: 2 }),
		]);
		expect(a).toEqual(current);
		expect(b).toEqual(current);
		expect((await selectKeys(env.DB)).filter((r) => r.expired_ts === null)).toHaveLength(1);
	});

	it("rotation moves the old key to old_verify_keys with expired_ts", async () => {
		const config = testConfig();
		const before = await getServerKeys(env.DB, config);
		const now = Date.now();
		const after = await rotateServerKey(env.DB, config, now);
		expect(after.current.keyId).not.toBe(before.current.keyId);
		expect(after.oldVerifyKeys[before.current.keyId]).toEqual({ key: before.current.publicKeyBase64, expired_ts: now });
		// The memo was dropped, so the very next lookup signs with the new key.
		expect((await getServerKeys(env.DB, config)).current.keyId).toBe(after.current.keyId);
	});

	it("publishes OLD_VERIFY_KEYS from config beside the retired D1 keys", async () => {
		const key = encodeBase64(new Uint8Array(32).fill(3));
		const keys = await getServerKeys(env.DB, testConfig({ OLD_VERIFY_KEYS: JSON.stringify({ "ed25519:cfg": { key, expired_ts: 5 } }) }));
		expect(keys.oldVerifyKeys["ed25519:cfg"]).toEqual({ key, expired_ts: 5 });
		expect(Object.keys(keys.oldVerifyKeys)).toHaveLength(2);
	});

	it("our own key source verifies with the current key and, until it expired, a retired one", async () => {
		const config = testConfig();
		const before = await getServerKeys(env.DB, config);
		const now = Date.now();
		const after = await rotateServerKey(env.DB, config, now);
		const own = keysWithOurOwn(env, config);
		expect(await own.getServerVerifyKey("keys.test", before.current.keyId, 0)).toMatchObject({ publicKey: before.current.publicKeyBase64, validUntilTs: now, expiredTs: now });
		expect(await own.getServerVerifyKey("keys.test", after.current.keyId, 0)).toMatchObject({ publicKey: after.current.publicKeyBase64, expiredTs: null });
		expect(await own.getServerVerifyKey("keys.test", "ed25519:never", 0)).toBeUndefined();
	});
});

describe("configured signing key (SIGNING_KEY, required in production)", () => {
	const seed = new Uint8Array(32).fill(42);
	const config = testConfig({ ENVIRONMENT: "production", SIGNING_KEY: `ed25519 prod1 ${encodeBase64(seed)}` });

	it("signs with SIGNING_KEY rather than the stored key", async () => {
		const keys = await getServerKeys(env.DB, config);
		const expected = await signingKeyFromSeed("ed25519:prod1", seed);
		expect(keys.current.keyId).toBe("ed25519:prod1");
		expect(keys.current.publicKeyBase64).toBe(expected.publicKeyBase64);
	});

	it("refuses rotation: the secret is changed instead", async () => {
		await expect(rotateServerKey(env.DB, config)).rejects.toThrow(/SIGNING_KEY/);
	});
});
