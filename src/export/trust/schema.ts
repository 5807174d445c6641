// The trust store's shape: pinned authorities, their regimes, legal bases, limits and keys.
// Design: LAWFUL_ACCESS.md "Trust store"; documented with a full example in README "Lawful access".
// Keys are pinned JWKs and never fetched live; a key's `status` and `notBefore`/`notAfter` decide whether
// an order signed with it is accepted (validation step 2).

import * as v from "valibot";
import { REQUEST_TYPES } from "../order/types";

const isoTime = v.pipe(v.string(), v.isoTimestamp("an RFC 3339 time with offset, e.g. 2026-01-01T00:00:00Z"));

/** A public JWK: Ed25519 (OKP) for EdDSA, P-256 (EC) for ES256. Private members are refused: a store never holds them. */
const PublicJwkSchema = v.pipe(
	v.union([
		v.object({ kty: v.literal("OKP"), crv: v.literal("Ed25519"), x: v.string() }),
		v.object({ kty: v.literal("EC"), crv: v.literal("P-256"), x: v.string(), y: v.string() }),
	]),
	v.check((jwk) => !("d" in jwk), "a trust store holds public keys only (remove \"d\")"),
);

export const TrustKeySchema = v.strictObject({
	kid: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
	jwk: PublicJwkSchema,
	notBefore: isoTime,
	notAfter: isoTime,
	status: v.picklist(["active", "revoked"]),
	/** When and why it was revoked (set by `revoke-key`), for the record. */
	revokedAt: v.optional(isoTime),
	revocationReason: v.optional(v.string()),
});

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

export const AuthoritySchema = v.strictObject({
	/** Matches the order's `header.senderIdentifier.uniqueIdentifier`. */
	id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
	name: v.string(),
	/** ISO 3166-1 alpha-2; matches `senderIdentifier.countryCode`. */
	country: v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, upper case")),
	/** `issuing` authorities send orders; `validating` ones only co-sign them (independent review). */
	role: v.optional(v.picklist(["issuing", "validating"]), "issuing"),
	regimes: v.array(v.string()),
	allowedLegalBases: v.array(v.string()),
	allowedRequestTypes: v.array(v.picklist(REQUEST_TYPES)),
	requiresValidatingAuthority: v.optional(v.boolean(), false),
	/** Ids of the validating authorities whose co-signature counts for this issuer. */
	validatingAuthorities: v.optional(v.array(v.string()), []),
	/** How many `approvalDetails` entries an order must carry (the authorising officials). */
	minApprovals: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
	maxTargetsPerOrder: positiveInt,
	maxWindowDays: positiveInt,
	maxOrderLifetimeDays: positiveInt,
	/** Out-of-band contact the provider calls to verify an order (emergency callbacks). */
	verificationContact: v.strictObject({
		name: v.string(),
		phone: v.optional(v.string()),
		email: v.optional(v.string()),
	}),
	keys: v.array(TrustKeySchema),
});

export const TrustStoreSchema = v.pipe(
	v.strictObject({
		authorities: v.array(AuthoritySchema),
	}),
	v.check((s) => new Set(s.authorities.map((a) => a.id)).size === s.authorities.length, "authority ids must be unique"),
	v.check((s) => {
		const kids = s.authorities.flatMap((a) => a.keys.map((k) => k.kid));
		return new Set(kids).size === kids.length;
	}, "key ids (kid) must be unique across the whole store"),
);

export type TrustKey = v.InferOutput<typeof TrustKeySchema>;
export type Authority = v.InferOutput<typeof AuthoritySchema>;
export type TrustStore = v.InferOutput<typeof TrustStoreSchema>;
export type TrustStoreInput = v.InferInput<typeof TrustStoreSchema>;

export const EMPTY_TRUST_STORE: TrustStore = { authorities: [] };

/** An RFC 6901 pointer from a valibot issue path. */
export function issuePointer(issue: v.BaseIssue<unknown>): string {
	const keys = (issue.path ?? []).map((item) => String(item.key).replace(/~/g, "~0").replace(/\//g, "~1"));
	return keys.length === 0 ? "" : `/${keys.join("/")}`;
}

/** Parses trust-store JSON (already JSON.parse'd); a problem message with the pointer of the first error. */
export function parseTrustStore(value: unknown): { ok: true; store: TrustStore } | { ok: false; pointer: string; message: string } {
	const result = v.safeParse(TrustStoreSchema, value);
	if (result.success) return { ok: true, store: result.output };
	const issue = result.issues[0];
	return { ok: false, pointer: issuePointer(issue), message: issue.message };
}
