// The provider-keys JWKS (current and past keys with their validity) and verifying a provider JWS against
// it: the kid must be listed and valid at the JWS's `iat`. Pure: the JWKS and the JWS are arguments.
// Design: LAWFUL_ACCESS.md "API" → `GET /_lawful/v1/provider-keys`.

import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import type { ProviderKeyRecord, PublicProviderJwk } from "./provider-key";

/** A published key: the public JWK plus when it signed (ISO 8601; notAfter absent for the current key). */
export interface PublishedProviderKey extends PublicProviderJwk {
	notBefore: string;
	notAfter?: string;
	status: "current" | "retired";
}

export interface ProviderJwks {
	keys: PublishedProviderKey[];
}

export function buildJwks(records: readonly ProviderKeyRecord[]): ProviderJwks {
	return {
		keys: records.map((r) => {
			const key: PublishedProviderKey = { ...r.publicJwk, notBefore: new Date(r.notBefore).toISOString(), status: r.notAfter === null ? "current" : "retired" };
			if (r.notAfter !== null) key.notAfter = new Date(r.notAfter).toISOString();
			return key;
		}),
	};
}

export type ProviderJwsCheck = { ok: true; kid: string; iat: number; payload: Uint8Array } | { ok: false; reason: string };

/** Verifies a compact (attached) provider JWS of the expected `typ` against the JWKS. */
export async function verifyProviderJws(jws: string, jwks: ProviderJwks, typ: string): Promise<ProviderJwsCheck> {
	let header: ReturnType<typeof decodeProtectedHeader>;
	try {
		header = decodeProtectedHeader(jws);
	} catch {
		return { ok: false, reason: "not a compact JWS" };
	}
	if (header.alg !== "EdDSA") return { ok: false, reason: "alg is not EdDSA" };
	if (header.typ !== typ) return { ok: false, reason: `typ is not ${typ}` };
	const key = jwks.keys.find((k) => k.kid === header.kid);
	if (!key) return { ok: false, reason: `kid ${String(header.kid)} is not a provider key` };
	const iat = header.iat;
	if (typeof iat !== "number") return { ok: false, reason: "no iat in the protected header" };
	const signedMs = iat * 1000;
	// iat has second precision: allow the second in which the key became valid or was retired.
	if (signedMs < Date.parse(key.notBefore) - 999 || (key.notAfter !== undefined && signedMs > Date.parse(key.notAfter))) {
		return { ok: false, reason: `key ${key.kid} was not valid at iat ${iat}` };
	}
	try {
		const publicKey = await importJWK({ kty: key.kty, crv: key.crv, x: key.x }, "EdDSA");
		const { payload } = await compactVerify(jws, publicKey, { algorithms: ["EdDSA"] });
		return { ok: true, kid: key.kid, iat, payload };
	} catch {
		return { ok: false, reason: "signature does not verify" };
	}
}
