// Lookups in a loaded trust store: the key for a `kid` with its authority, and whether a key may sign at a time.
// Design: LAWFUL_ACCESS.md "Trust store" ("Revoking a key takes effect for every new order") and step 2.

import type { Authority, TrustKey, TrustStore } from "./schema";

export interface PinnedKey {
	authority: Authority;
	key: TrustKey;
}

export function findKey(store: TrustStore, kid: string): PinnedKey | undefined {
	for (const authority of store.authorities) {
		const key = authority.keys.find((k) => k.kid === kid);
		if (key) return { authority, key };
	}
	return undefined;
}

export function findAuthority(store: TrustStore, id: string): Authority | undefined {
	return store.authorities.find((a) => a.id === id);
}

export type KeyUsability = "usable" | "revoked" | "not-valid-at-time";

/**
 * Revocation wins over time: a revoked key refuses every new order, whatever its timestamp claims
 * (a stolen key could backdate). Otherwise the order's timestamp must lie in [notBefore, notAfter].
 */
export function keyUsableAt(key: TrustKey, at: number): KeyUsability {
	if (key.status === "revoked") return "revoked";
	if (at < Date.parse(key.notBefore) || at > Date.parse(key.notAfter)) return "not-valid-at-time";
	return "usable";
}

/** A copy of the store with `kid` revoked (idempotent); undefined when no such key. */
export function revokeKey(store: TrustStore, kid: string, at: number, reason: string): TrustStore | undefined {
	if (!findKey(store, kid)) return undefined;
	return {
		authorities: store.authorities.map((a) => ({
			...a,
			keys: a.keys.map((k) =>
				k.kid === kid && k.status !== "revoked" ? { ...k, status: "revoked" as const, revokedAt: new Date(at).toISOString(), revocationReason: reason } : k,
			),
		})),
	};
}
