// Verifying an authority's update to its order (cancel, extend the NDO, renew preservation): the body is a
// compact JWS (typ "lawful-update+jws") by a pinned, usable key of the order's issuer, so the update itself
// is signed, not only the HTTP request. Design: /work/shared/LAWFUL_ACCESS.md#api ("signed: cancel, extend
// NDO, renew preservation").

import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { LaError } from "../order/la-errors";
import { loadEffectiveTrust } from "../trust/effective";
import { findKey, keyUsableAt } from "../trust/lookup";

export const UPDATE_TYP = "lawful-update+jws";
const FRESHNESS_MS = 5 * 60_000;

export type OrderUpdate =
	| { action: "cancel"; reason: string }
	| { action: "extend-ndo"; reason: string; until: number }
	| { action: "renew-preservation"; reason: string; expiration: number | null };

function parsePayload(payload: Record<string, unknown>, orderId: string, now: number): OrderUpdate {
	if (payload.orderId !== orderId) throw new LaError("LA_BAD_REQUEST", "the update names another order", "/orderId");
	const ts = typeof payload.timestamp === "string" ? Date.parse(payload.timestamp) : Number.NaN;
	if (Number.isNaN(ts) || Math.abs(ts - now) > FRESHNESS_MS) throw new LaError("LA_STALE", "the update's timestamp is not within 5 minutes of now", "/timestamp");
	const reason = typeof payload.reason === "string" ? payload.reason : "";
	const time = (key: string): number => {
		const t = typeof payload[key] === "string" ? Date.parse(payload[key]) : Number.NaN;
		if (Number.isNaN(t)) throw new LaError("LA_BAD_REQUEST", `${key} must be an RFC 3339 time`, `/${key}`);
		return t;
	};
	switch (payload.action) {
		case "cancel":
			return { action: "cancel", reason };
		case "extend-ndo":
			return { action: "extend-ndo", reason, until: time("until") };
		case "renew-preservation":
			return { action: "renew-preservation", reason, expiration: payload.desiredPreservationExpiration === undefined ? null : time("desiredPreservationExpiration") };
		default:
			throw new LaError("LA_BAD_REQUEST", "action must be cancel, extend-ndo or renew-preservation", "/action");
	}
}

/** The verified update, or an LaError. `issuer` is the order's authority; the key must be one of its keys. */
export async function verifyUpdate(env: Env, jws: string, orderId: string, issuer: string, now: number): Promise<{ update: OrderUpdate; kid: string }> {
	let kid: string;
	try {
		const header = decodeProtectedHeader(jws.trim());
		if (header.typ !== UPDATE_TYP || typeof header.kid !== "string" || (header.alg !== "EdDSA" && header.alg !== "ES256")) throw new Error("header");
		kid = header.kid;
	} catch {
		throw new LaError("LA_MALFORMED", `the body must be a compact JWS with typ ${UPDATE_TYP}, alg EdDSA or ES256, and a kid`);
	}
	const { store } = await loadEffectiveTrust(env);
	const pinned = findKey(store, kid);
	if (!pinned || pinned.authority.id !== issuer) throw new LaError("LA_KEY_UNKNOWN", "the key is not one of the issuing authority's keys");
	const usable = keyUsableAt(pinned.key, now);
	if (usable === "revoked") throw new LaError("LA_KEY_REVOKED", "the key is revoked");
	if (usable !== "usable") throw new LaError("LA_KEY_NOT_VALID_AT_TIME", "the key is not valid now");
	let payload: Record<string, unknown>;
	try {
		const key = await importJWK(pinned.key.jwk, pinned.key.jwk.kty === "OKP" ? "EdDSA" : "ES256");
		const verified = await compactVerify(jws.trim(), key, { algorithms: ["EdDSA", "ES256"] });
		payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
	} catch {
		throw new LaError("LA_SIG_INVALID", "the update's signature does not verify");
	}
	return { update: parsePayload(payload, orderId, now), kid };
}
