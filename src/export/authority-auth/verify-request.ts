// Verifying an authority request's RFC 9421 HTTP Message Signature: exactly one signature, keyid = a pinned
// trust-store kid, alg ed25519 or ecdsa-p256-sha256 (matching the key), covering @method and @target-uri,
// with created, nonce and an expires at most 5 minutes away. Failures are the design's 401 LA_* codes.
// The nonce's single use is the caller's next step (nonce-store.ts): only a verified nonce is recorded.
// Spec: https://www.rfc-editor.org/rfc/rfc9421 ; design: LAWFUL_ACCESS.md "Delivery", issue 5 interfaces.

import { verifyMessage } from "http-message-signatures/lib/httpbis";
import { LaError } from "../order/la-errors";
import { type AuthorityJwk, algForJwk, verifyWithJwk } from "./rfc9421-keys";

/** How far ahead `expires` may be, and how old `created` may be. */
export const MAX_SIGNATURE_LIFETIME_S = 300;
/** Clock skew we allow between the authority and us. */
export const CLOCK_SKEW_S = 30;

const LIBRARY_CLOCK_OFF = 2 ** 40;

/** A pinned key as the trust store knows it. */
export interface AuthorityKeyInfo {
	authorityId: string;
	jwk: AuthorityJwk;
	/** "usable", or why the key may not sign now. */
	usability: "usable" | "revoked" | "not-valid-at-time";
}

/** Who signed a verified request. */
export interface AuthorityIdentity {
	authorityId: string;
	kid: string;
	nonce: string;
	/** ms since the epoch: until when the nonce must be remembered. */
	expiresMs: number;
}

export interface SignedRequest {
	method: string;
	url: string;
	headers: Headers;
}

/** The library hands `created` over as a Date and `expires` as the integer it parsed. */
function seconds(value: unknown): number | null {
	if (value instanceof Date) return Math.floor(value.getTime() / 1000);
	return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}

/** Checks the signature parameters and returns the key to verify with (throws LaError). */
function acceptParams(params: Record<string, unknown>, lookup: (kid: string) => AuthorityKeyInfo | undefined, nowS: number) {
	const { keyid, nonce, alg } = params;
	const created = seconds(params.created);
	const expires = seconds(params.expires);
	if (typeof keyid !== "string" || keyid === "") throw new LaError("LA_UNAUTHENTICATED", "the signature has no keyid");
	if (created === null || expires === null || typeof nonce !== "string" || nonce.length < 16) {
		throw new LaError("LA_UNAUTHENTICATED", "the signature must carry created, expires and a nonce of at least 16 characters");
	}
	if (expires <= nowS) throw new LaError("LA_UNAUTHENTICATED", "the signature has expired");
	if (expires > nowS + MAX_SIGNATURE_LIFETIME_S + CLOCK_SKEW_S || expires - created > MAX_SIGNATURE_LIFETIME_S) {
		throw new LaError("LA_UNAUTHENTICATED", "expires may be at most 5 minutes away");
	}
	if (created > nowS + CLOCK_SKEW_S) throw new LaError("LA_UNAUTHENTICATED", "created is in the future");
	const key = lookup(keyid);
	if (!key) throw new LaError("LA_KEY_UNKNOWN", "keyid is not a pinned authority key");
	if (key.usability === "revoked") throw new LaError("LA_KEY_REVOKED", "the key has been revoked");
	if (key.usability === "not-valid-at-time") throw new LaError("LA_KEY_NOT_VALID_AT_TIME", "the key is not valid now");
	const keyAlg = algForJwk(key.jwk);
	if (keyAlg === null) throw new LaError("LA_ALG_NOT_ALLOWED", "the pinned key is neither Ed25519 nor P-256");
	if (alg !== undefined && alg !== keyAlg) throw new LaError("LA_ALG_NOT_ALLOWED", `alg must be ${keyAlg} for this key`);
	return { keyid, nonce, expires, key, keyAlg };
}

export async function verifyAuthorityRequest(
	request: SignedRequest,
	lookup: (kid: string) => AuthorityKeyInfo | undefined,
	now: number,
): Promise<AuthorityIdentity> {
	const headers: Record<string, string> = {};
	for (const name of ["signature", "signature-input"]) {
		const value = request.headers.get(name);
		if (value === null) throw new LaError("LA_UNAUTHENTICATED", "authority requests need an RFC 9421 Signature and Signature-Input");
		headers[name] = value;
	}
	const nowS = Math.floor(now / 1000);
	let accepted: ReturnType<typeof acceptParams> | undefined;
	let signatures = 0;
	let verified: boolean | null;
	try {
		verified = await verifyMessage(
			{
				requiredFields: ["@method", "@target-uri"],
				requiredParams: ["created", "expires", "nonce", "keyid"],
				// created/expires are checked by acceptParams against the `now` we are given; the library would
				// read the wall clock instead, so its own time window is opened wide.
				tolerance: LIBRARY_CLOCK_OFF,
				keyLookup: async (params) => {
					signatures++;
					if (signatures > 1) throw new LaError("LA_UNAUTHENTICATED", "exactly one signature is accepted");
					const ok = acceptParams(params, lookup, nowS);
					accepted = ok;
					return {
						id: ok.keyid,
						algs: [ok.keyAlg],
						verify: async (data: Uint8Array, signature: Uint8Array) => verifyWithJwk(ok.key.jwk, ok.keyAlg, new Uint8Array(data), new Uint8Array(signature)),
					};
				},
			},
			{ method: request.method, url: request.url, headers },
		);
	} catch (e) {
		if (e instanceof LaError) throw e;
		// The library's own refusals: malformed structured fields, missing components or parameters.
		throw new LaError("LA_UNAUTHENTICATED", `the signature is not acceptable: ${e instanceof Error ? e.message : "malformed"}`);
	}
	if (!accepted || verified === null) throw new LaError("LA_UNAUTHENTICATED", "no signature to verify");
	if (!verified) throw new LaError("LA_SIG_INVALID", "the signature does not verify");
	return { authorityId: accepted.key.authorityId, kid: accepted.keyid, nonce: accepted.nonce, expiresMs: accepted.expires * 1000 };
}
