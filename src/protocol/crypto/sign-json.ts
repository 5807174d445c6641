// Signing and verifying JSON objects.
// Spec: https://spec.matrix.org/latest/appendices/#signing-json

import { canonicalJsonBytes } from "../json/canonical";
import { encodeBase64 } from "../json/base64";
import { ed25519Sign, ed25519Verify, type SigningKey } from "./ed25519";

type JsonRecord = Record<string, unknown>;
/** `{ "<server>": { "<key id>": "<unpadded base64 signature>" } }` */
type SignatureMap = Record<string, Record<string, string>>;

/** The bytes that get signed: canonical JSON of the object without `signatures` and `unsigned`. */
export function signingBytes(obj: JsonRecord): Uint8Array {
	const { signatures: _s, unsigned: _u, ...rest } = obj;
	return canonicalJsonBytes(rest);
}

/**
 * Returns a copy of `obj` with our signature added under `signatures[serverName][keyId]`,
 * keeping existing signatures and `unsigned` as they were.
 */
export async function signJson<T extends JsonRecord>(obj: T, serverName: string, key: SigningKey): Promise<T & { signatures: SignatureMap }> {
	return signJsonBytes(obj, signingBytes(obj), serverName, key);
}

/** signJson for a caller that already holds `signingBytes(obj)` (and needs them for something else too). */
export async function signJsonBytes<T extends JsonRecord>(obj: T, bytes: Uint8Array, serverName: string, key: SigningKey): Promise<T & { signatures: SignatureMap }> {
	const signature = await ed25519Sign(key, bytes);
	const existing = (obj.signatures ?? {}) as SignatureMap;
	return {
		...obj,
		signatures: { ...existing, [serverName]: { ...(existing[serverName] ?? {}), [key.keyId]: encodeBase64(signature) } },
	};
}

/** Why a signature check failed; `undefined` from verifyJson means it passed. */
export type VerifyFailure = "missing_signature" | "bad_signature";

/** Checks `signatures[serverName][keyId]` against the given public key (unpadded base64). */
export async function verifyJson(
	obj: JsonRecord,
	serverName: string,
	keyId: string,
	publicKeyBase64: string,
): Promise<VerifyFailure | undefined> {
	const sigs = obj.signatures as Record<string, Record<string, unknown>> | undefined;
	const sig = sigs?.[serverName]?.[keyId];
	if (typeof sig !== "string") return "missing_signature";
	return (await ed25519Verify(publicKeyBase64, sig, signingBytes(obj))) ? undefined : "bad_signature";
}
