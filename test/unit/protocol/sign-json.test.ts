// JSON signing against the spec appendix "Cryptographic Test Vectors": key derivation and exact signatures.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ed25519Sign, ed25519Verify, signingKeyFromSeed, type SigningKey } from "../../../src/protocol/crypto/ed25519";
import { signingBytes, signJson, verifyJson } from "../../../src/protocol/crypto/sign-json";
import { decodeBase64, encodeBase64 } from "../../../src/protocol/json/base64";

type JsonRecord = Record<string, unknown>;
interface Appendix {
	signing_key: { seed_base64: string; server_name: string; key_id: string; derived_public_key_base64: string };
	json_signing: { vectors: { input: JsonRecord; expected_signed: JsonRecord }[] };
}
const appendix = JSON.parse(
	readFileSync(new URL("../../../../shared/vectors/spec-appendix-vectors.json", import.meta.url), "utf8"),
) as Appendix;
const { seed_base64, server_name, key_id, derived_public_key_base64 } = appendix.signing_key;

let key: SigningKey;
beforeAll(async () => {
	key = await signingKeyFromSeed(key_id, decodeBase64(seed_base64)!);
});

describe("signing key (spec appendix)", () => {
	it("derives the public key from the seed", () => {
		expect(key.keyId).toBe("ed25519:1");
		expect(key.publicKeyBase64).toBe(derived_public_key_base64);
	});
	it("rejects seeds that are not 32 bytes and key IDs that are not ed25519", async () => {
		await expect(signingKeyFromSeed(key_id, new Uint8Array(31))).rejects.toThrow();
		await expect(signingKeyFromSeed("curve25519:1", decodeBase64(seed_base64)!)).rejects.toThrow();
	});
	it("produces signatures that verify, and rejects malformed keys or signatures", async () => {
		const message = new TextEncoder().encode("hello");
		const sig = encodeBase64(await ed25519Sign(key, message));
		expect(await ed25519Verify(key.publicKeyBase64, sig, message)).toBe(true);
		expect(await ed25519Verify(key.publicKeyBase64, sig, new TextEncoder().encode("hellO"))).toBe(false);
		expect(await ed25519Verify("short", sig, message)).toBe(false);
		expect(await ed25519Verify(key.publicKeyBase64, "not base64!", message)).toBe(false);
	});
});

describe("JSON signing (spec appendix)", () => {
	it.each(appendix.json_signing.vectors.map((v, i) => ({ ...v, i })))("vector $i signs exactly", async ({ input, expected_signed }) => {
		const signed = await signJson(input, server_name, key);
		expect(signed).toEqual(expected_signed);
		expect(await verifyJson(signed, server_name, key_id, key.publicKeyBase64)).toBeUndefined();
	});

	it("does not sign signatures or unsigned, and keeps both", async () => {
		const base = { one: 1, two: "Two" };
		const withExtras = { ...base, unsigned: { age_ts: 5 }, signatures: { other: { "ed25519:x": "abc" } } };
		const signed = await signJson(withExtras, server_name, key);
		expect(signed.unsigned).toEqual({ age_ts: 5 });
		expect(signed.signatures).toEqual({
			other: { "ed25519:x": "abc" },
			domain: { "ed25519:1": (appendix.json_signing.vectors[1]!.expected_signed.signatures as Record<string, Record<string, string>>).domain!["ed25519:1"] },
		});
		expect(signingBytes(withExtras)).toEqual(signingBytes(base));
	});

	it("fails verification when a signed value changes", async () => {
		const signed = await signJson({ one: 1, two: "Two" }, server_name, key);
		expect(await verifyJson({ ...signed, two: "Three" }, server_name, key_id, key.publicKeyBase64)).toBe("bad_signature");
		expect(await verifyJson({ ...signed, three: 3 }, server_name, key_id, key.publicKeyBase64)).toBe("bad_signature");
	});

	it("fails verification with a flipped signature bit or another key", async () => {
		const signed = await signJson({ one: 1 }, server_name, key);
		const sig = decodeBase64(signed.signatures.domain!["ed25519:1"]!)!;
		sig[0]! ^= 1;
		const tampered = { ...signed, signatures: { domain: { "ed25519:1": encodeBase64(sig) } } };
		expect(await verifyJson(tampered, server_name, key_id, key.publicKeyBase64)).toBe("bad_signature");
		const other = await signingKeyFromSeed("ed25519:2", new Uint8Array(32).fill(7));
		expect(await verifyJson(signed, server_name, key_id, other.publicKeyBase64)).toBe("bad_signature");
	});

	it("reports a missing signature", async () => {
		const signed = await signJson({ one: 1 }, server_name, key);
		expect(await verifyJson(signed, "elsewhere", key_id, key.publicKeyBase64)).toBe("missing_signature");
		expect(await verifyJson(signed, server_name, "ed25519:2", key.publicKeyBase64)).toBe("missing_signature");
		expect(await verifyJson({ one: 1 }, server_name, key_id, key.publicKeyBase64)).toBe("missing_signature");
	});
});
