// Pure E2EE rules: key object shapes, the backup replacement order, and signature checks with real Ed25519.
import { describe, expect, it } from "vitest";
import { signingKeyFromSeed } from "../../../../src/protocol/crypto/ed25519";
import { signJson } from "../../../../src/protocol/crypto/sign-json";
import { parseBackupKey, shouldReplaceBackupKey } from "../../../../src/protocol/e2ee/key-backup";
import { checkDeviceKeys, parseCrossSigningKey, parseOneTimeKeyMap, splitKeyId } from "../../../../src/protocol/e2ee/key-objects";
import { sameJson, sameSignedContent, validSignature } from "../../../../src/protocol/e2ee/signature-check";

const device = { user_id: "@a:x", device_id: "D", algorithms: ["m.olm.v1.curve25519-aes-sha2"], keys: { "ed25519:D": "k" }, signatures: { "@a:x": { "ed25519:D": "s" } } };

describe("key objects", () => {
	it("splits <algorithm>:<key id> at the first colon and needs both parts", () => {
		expect(splitKeyId("signed_curve25519:AAA:B")).toEqual({ algorithm: "signed_curve25519", keyId: "AAA:B" });
		expect(splitKeyId(":x")).toBeUndefined();
		expect(splitKeyId("x:")).toBeUndefined();
		expect(splitKeyId("x")).toBeUndefined();
	});

	it("checks device_keys names the uploader and has the right types", () => {
		expect(checkDeviceKeys(device, "@a:x", "D")).toBeUndefined();
		expect(checkDeviceKeys(device, "@b:x", "D")).toBe("wrong_user");
		expect(checkDeviceKeys(device, "@a:x", "E")).toBe("wrong_device");
		expect(checkDeviceKeys({ ...device, keys: { nocolon: "k" } }, "@a:x", "D")).toBe("shape");
		expect(checkDeviceKeys({ ...device, signatures: { "@a:x": { k: 1 } } }, "@a:x", "D")).toBe("shape");
		expect(checkDeviceKeys({ ...device, algorithms: "x" }, "@a:x", "D")).toBe("shape");
	});

	it("parses one-time key maps of strings and signed objects, refusing anything else whole", () => {
		expect(parseOneTimeKeyMap(undefined)).toEqual([]);
		expect(parseOneTimeKeyMap({ "curve25519:A": "k", "signed_curve25519:B": { key: "k2" } })).toEqual([
			{ algorithm: "curve25519", keyId: "A", key: "k" },
			{ algorithm: "signed_curve25519", keyId: "B", key: { key: "k2" } },
		]);
		expect(parseOneTimeKeyMap({ "curve25519:A": "k", "signed_curve25519:B": { nokey: 1 } })).toBeUndefined();
		expect(parseOneTimeKeyMap([])).toBeUndefined();
	});

	it("accepts a cross-signing key only with one ed25519 key whose ID repeats it, for the right user and usage", () => {
		const key = { user_id: "@a:x", usage: ["master"], keys: { "ed25519:PUB": "PUB" } };
		expect(parseCrossSigningKey(key, "@a:x", "master")?.publicKey).toBe("PUB");
		expect(parseCrossSigningKey(key, "@a:x", "self_signing")).toBeUndefined();
		expect(parseCrossSigningKey(key, "@b:x", "master")).toBeUndefined();
		expect(parseCrossSigningKey({ ...key, keys: { "ed25519:OTHER": "PUB" } }, "@a:x", "master")).toBeUndefined();
		expect(parseCrossSigningKey({ ...key, keys: { "ed25519:PUB": "PUB", "ed25519:Q": "Q" } }, "@a:x", "master")).toBeUndefined();
	});
});

describe("key backup", () => {
	const k = (is_verified: boolean, first_message_index: number, forwarded_count: number) => ({ is_verified, first_message_index, forwarded_count });

	it("prefers verified, then a lower first_message_index, then a lower forwarded_count; ties keep the stored key", () => {
		expect(shouldReplaceBackupKey(k(false, 0, 0), k(true, 9, 9))).toBe(true);
		expect(shouldReplaceBackupKey(k(true, 9, 9), k(false, 0, 0))).toBe(false);
		expect(shouldReplaceBackupKey(k(false, 5, 0), k(false, 4, 9))).toBe(true);
		expect(shouldReplaceBackupKey(k(false, 4, 9), k(false, 5, 0))).toBe(false);
		expect(shouldReplaceBackupKey(k(false, 4, 2), k(false, 4, 1))).toBe(true);
		expect(shouldReplaceBackupKey(k(false, 4, 1), k(false, 4, 1))).toBe(false);
	});

	it("parses KeyBackupData and refuses wrong types", () => {
		const good = { first_message_index: 0, forwarded_count: 0, is_verified: false, session_data: { ciphertext: "c" } };
		expect(parseBackupKey(good)).toEqual(good);
		expect(parseBackupKey({ ...good, first_message_index: 1.5 })).toBeUndefined();
		expect(parseBackupKey({ ...good, is_verified: "yes" })).toBeUndefined();
		expect(parseBackupKey({ ...good, session_data: "c" })).toBeUndefined();
	});
});

describe("signature checks", () => {
	it("verifies a user's signature made with the named key, and nothing else", async () => {
		const key = await signingKeyFromSeed("ed25519:K", new Uint8Array(32).fill(7));
		const other = await signingKeyFromSeed("ed25519:K", new Uint8Array(32).fill(8));
		const obj = { user_id: "@a:x", keys: { "ed25519:X": "X" } };
		const signed = await signJson(obj, "@a:x", key);
		expect(await validSignature(signed, "@a:x", "ed25519:K", key.publicKeyBase64)).toBe((signed.signatures as Record<string, Record<string, string>>)["@a:x"]!["ed25519:K"]);
		expect(await validSignature(signed, "@a:x", "ed25519:K", other.publicKeyBase64)).toBeUndefined();
		expect(await validSignature(signed, "@b:x", "ed25519:K", key.publicKeyBase64)).toBeUndefined();
		expect(await validSignature(signed, "@a:x", "ed25519:K", "not base64!")).toBeUndefined();
		expect(sameSignedContent(signed, { ...obj, unsigned: { x: 1 } })).toBe(true);
		expect(sameSignedContent(signed, { ...obj, user_id: "@b:x" })).toBe(false);
		expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
		expect(sameJson({ a: 1.5 }, { a: 1.5 })).toBe(false);
	});
});
