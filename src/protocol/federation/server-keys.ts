// Checking a server's published key response (`/_matrix/key/v2/server`) before we trust any key in it.
// Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys
// and https://spec.matrix.org/latest/server-server-api/#querying-keys-through-another-server

import { verifyJson } from "../crypto/sign-json";
import { decodeBase64 } from "../json/base64";
import { isEd25519KeyId } from "./server-name";

/** One key taken from a verified response. */
export interface ServerVerifyKey {
	serverName: string;
	keyId: string;
	/** Unpadded base64 of the 32-byte Ed25519 public key. */
	publicKey: string;
	/** When the response must be refreshed, already capped at 7 days after it was fetched. */
	validUntilTs: number;
	/** Set for `old_verify_keys`: when the server stopped using the key. */
	expiredTs: number | null;
}

export type ServerKeysResult =
	| { ok: true; keys: ServerVerifyKey[]; validUntilTs: number }
	| { ok: false; reason: string };

/** "Servers MUST use the lesser of this field and 7 days into the future." */
export const MAX_KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTimestamp(value: unknown): value is number {
	return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isPublicKey(value: unknown): value is string {
	return typeof value === "string" && decodeBase64(value)?.length === 32;
}

/**
 * Verifies a key response as served by `serverName` itself or relayed by a notary:
 * the `server_name` must match, it must be signed by at least one of its own `verify_keys`,
 * and every signature it carries by one of those keys must verify. `fetchedTs` (when we got it)
 * caps `valid_until_ts` at seven days. Unknown key algorithms are skipped, not fatal.
 */
export async function verifyServerKeysResponse(
	response: unknown,
	serverName: string,
	fetchedTs: number,
): Promise<ServerKeysResult> {
	if (!isRecord(response)) return { ok: false, reason: "not a JSON object" };
	if (response.server_name !== serverName) return { ok: false, reason: "server_name does not match" };
	if (!isTimestamp(response.valid_until_ts)) return { ok: false, reason: "bad valid_until_ts" };
	const verifyKeys = response.verify_keys;
	const oldKeys = response.old_verify_keys ?? {};
	if (!isRecord(verifyKeys) || !isRecord(oldKeys)) return { ok: false, reason: "bad verify_keys" };
	if (!isRecord(response.signatures)) return { ok: false, reason: "no signatures" };

	const validUntilTs = Math.min(response.valid_until_ts, fetchedTs + MAX_KEY_VALIDITY_MS);
	const keys: ServerVerifyKey[] = [];
	for (const [keyId, entry] of Object.entries(verifyKeys)) {
		if (!isEd25519KeyId(keyId)) continue;
		if (!isRecord(entry) || !isPublicKey(entry.key)) return { ok: false, reason: `bad key ${keyId}` };
		keys.push({ serverName, keyId, publicKey: entry.key, validUntilTs, expiredTs: null });
	}

	// Self-signature: only the current keys vouch for the response.
	const ownSignatures = response.signatures[serverName];
	let signedByOwnKey = false;
	if (isRecord(ownSignatures)) {
		for (const key of keys) {
			if (!(key.keyId in ownSignatures)) continue;
			if ((await verifyJson(response, serverName, key.keyId, key.publicKey)) !== undefined) {
				return { ok: false, reason: `bad self-signature by ${key.keyId}` };
			}
			signedByOwnKey = true;
		}
	}
	if (!signedByOwnKey) return { ok: false, reason: "not signed by any of its verify_keys" };

	for (const [keyId, entry] of Object.entries(oldKeys)) {
		if (!isEd25519KeyId(keyId) || keys.some((k) => k.keyId === keyId)) continue;
		if (!isRecord(entry) || !isPublicKey(entry.key) || !isTimestamp(entry.expired_ts)) {
			return { ok: false, reason: `bad old key ${keyId}` };
		}
		keys.push({ serverName, keyId, publicKey: entry.key, validUntilTs, expiredTs: entry.expired_ts });
	}
	return { ok: true, keys, validUntilTs };
}

/**
 * The time until which a key may verify signatures: `valid_until_ts` for a current key,
 * `expired_ts` for an old one (signatures made after it stopped being used are not its).
 */
export function keyValidUntil(key: Pick<ServerVerifyKey, "validUntilTs" | "expiredTs">): number {
	return key.expiredTs ?? key.validUntilTs;
}
