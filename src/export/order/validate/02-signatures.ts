// Step 2: "Signatures verify and the key is active at `timestamp`: LA_SIG_INVALID 401, LA_KEY_REVOKED 401,
// LA_KEY_NOT_VALID_AT_TIME 401" (LAWFUL_ACCESS.md "Validation"). Every signature must verify, not just one:
// a co-signed order whose second signature is bad is not co-signed. Verification is jose's (RFC 7515).
// The timestamp is read from the payload before the schema step; the signature already covers it, and an
// unreadable timestamp is left for step 3 to refuse.

import { flattenedVerify, importJWK } from "jose";
import { keyUsableAt } from "../../trust/lookup";
import { LaError } from "../la-errors";
import type { JwsSignature, ParsedJws } from "./context";

function claimedTimestamp(payload: Record<string, unknown>): number | undefined {
	const header = payload.header;
	if (typeof header !== "object" || header === null || !("timestamp" in header)) return undefined;
	const ts = header.timestamp;
	if (typeof ts !== "string") return undefined;
	const parsed = Date.parse(ts);
	return Number.isNaN(parsed) ? undefined : parsed;
}

async function verifyOne(jws: ParsedJws, sig: JwsSignature): Promise<void> {
	const { jwk } = sig.pinned.key;
	// The key type fixes the algorithm: an Ed25519 key never verifies ES256 and vice versa (no alg confusion).
	const expected = jwk.kty === "OKP" ? "EdDSA" : "ES256";
	if (sig.alg !== expected) throw new LaError("LA_SIG_INVALID", `key ${sig.kid} is an ${jwk.kty} key and cannot verify alg ${sig.alg}`);
	try {
		const key = await importJWK({ ...jwk }, sig.alg);
		await flattenedVerify({ payload: jws.payloadB64, protected: sig.protectedB64, signature: sig.signatureB64 }, key, { algorithms: [sig.alg] });
	} catch {
		throw new LaError("LA_SIG_INVALID", `the signature by key ${sig.kid} does not verify`);
	}
}

export async function verifySignatures(jws: ParsedJws): Promise<void> {
	for (const sig of jws.signatures) await verifyOne(jws, sig);
	const at = claimedTimestamp(jws.payload);
	if (at === undefined) return;
	for (const sig of jws.signatures) {
		const usable = keyUsableAt(sig.pinned.key, at);
		if (usable === "revoked") throw new LaError("LA_KEY_REVOKED", `key ${sig.kid} is revoked`);
		if (usable === "not-valid-at-time") {
			throw new LaError("LA_KEY_NOT_VALID_AT_TIME", `key ${sig.kid} is valid from ${sig.pinned.key.notBefore} to ${sig.pinned.key.notAfter}, not at the order's timestamp`, "/header/timestamp");
		}
	}
}
