// Signing an authority request (RFC 9421) the way sealbridge verifies it: covers @method and @target-uri,
// with created, expires (≤ 5 minutes after created), nonce, keyid and alg. For tests and the CLI; an
// authority may use any RFC 9421 implementation. Design: LAWFUL_ACCESS.md "Delivery"; issue 5 interfaces.

import { signMessage } from "http-message-signatures/lib/httpbis";
import { type AuthorityJwk, algForJwk, signWithJwk } from "./rfc9421-keys";

const NO_HEADERS: Record<string, string | string[]> = {};

export interface AuthoritySigningKey {
	kid: string;
	/** The private JWK (Ed25519 or P-256). */
	jwk: AuthorityJwk;
}

export interface AuthoritySignParams {
	/** ms since the epoch. */
	created: number;
	/** ms since the epoch; default created + 5 minutes. */
	expires?: number;
	/** At least 128 bits of randomness, base64url; the caller chooses (randomness is an argument). */
	nonce: string;
}

/** The `Signature-Input` and `Signature` headers for `method url`. */
export async function signAuthorityRequest(
	method: string,
	url: string,
	key: AuthoritySigningKey,
	params: AuthoritySignParams,
): Promise<{ "signature-input": string; signature: string }> {
	const alg = algForJwk(key.jwk);
	if (alg === null) throw new Error("authority keys are Ed25519 or P-256 JWKs");
	const signed = await signMessage(
		{
			key: { id: key.kid, alg, sign: async (data: Uint8Array) => signWithJwk(key.jwk, alg, new Uint8Array(data)) },
			fields: ["@method", "@target-uri"],
			params: ["created", "expires", "nonce", "keyid", "alg"],
			paramValues: { created: new Date(params.created), expires: new Date(params.expires ?? params.created + 300_000), nonce: params.nonce },
			name: "sig1",
		},
		{ method, url, headers: NO_HEADERS },
	);
	const input = signed.headers["Signature-Input"] ?? signed.headers["signature-input"];
	const signature = signed.headers.Signature ?? signed.headers.signature;
	if (typeof input !== "string" || typeof signature !== "string") throw new Error("signing produced no headers");
	return { "signature-input": input, signature };
}
