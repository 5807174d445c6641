// RFC 9421 algorithms for authority keys, over WebCrypto: `ed25519` (OKP Ed25519 JWK) and
// `ecdsa-p256-sha256` (EC P-256 JWK, raw r‖s signature, which is WebCrypto's ECDSA format).
// Spec: https://www.rfc-editor.org/rfc/rfc9421#section-3.3 ; design: LAWFUL_ACCESS.md "Delivery".

export type Rfc9421Alg = "ed25519" | "ecdsa-p256-sha256";

export interface AuthorityJwk {
	kty: string;
	crv: string;
	x: string;
	y?: string;
	d?: string;
}

/** The RFC 9421 algorithm a pinned key is used with, or null for a key type we do not accept. */
export function algForJwk(jwk: AuthorityJwk): Rfc9421Alg | null {
	if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "ed25519";
	if (jwk.kty === "EC" && jwk.crv === "P-256") return "ecdsa-p256-sha256";
	return null;
}

function webCryptoParams(alg: Rfc9421Alg): { importAlg: SubtleCryptoImportKeyAlgorithm; signAlg: SubtleCryptoSignAlgorithm } {
	return alg === "ed25519"
		? { importAlg: { name: "Ed25519" }, signAlg: { name: "Ed25519" } }
		: { importAlg: { name: "ECDSA", namedCurve: "P-256" }, signAlg: { name: "ECDSA", hash: "SHA-256" } };
}

export async function verifyWithJwk(jwk: AuthorityJwk, alg: Rfc9421Alg, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
	const { importAlg, signAlg } = webCryptoParams(alg);
	const publicJwk: JsonWebKey = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y === undefined ? {} : { y: jwk.y }) };
	const key = await crypto.subtle.importKey("jwk", publicJwk, importAlg, false, ["verify"]);
	return crypto.subtle.verify(signAlg, key, signature, data);
}

export async function signWithJwk(jwk: AuthorityJwk, alg: Rfc9421Alg, data: Uint8Array): Promise<Uint8Array> {
	const { importAlg, signAlg } = webCryptoParams(alg);
	const privateJwk: JsonWebKey = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d, ...(jwk.y === undefined ? {} : { y: jwk.y }) };
	const key = await crypto.subtle.importKey("jwk", privateJwk, importAlg, false, ["sign"]);
	return new Uint8Array(await crypto.subtle.sign(signAlg, key, data));
}
