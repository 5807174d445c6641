// delivery.recipientKey: the public JWK an order may name so the package is encrypted (JWE) to the requester.
// Only key types with a JWE key-management algorithm of today's strength are accepted, and never a private
// key (an order is kept and shown to operators). Pure. Design: LAWFUL_ACCESS.md "Order format" (delivery) and
// "Lifecycle" (Delivery: "Optionally the package is encrypted (JWE) to recipientKey").
// Spec: RFC 7518 4.6 (ECDH-ES+A256KW), 4.3 (RSA-OAEP-256); RFC 8037 (X25519 OKP keys).

/** The JWE key-management algorithm for a recipient key (the content is always A256GCM). */
export type RecipientAlg = "ECDH-ES+A256KW" | "RSA-OAEP-256";

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const EC_CURVES = ["P-256", "P-384", "P-521"];
/** RSA moduli shorter than this are refused (NIST SP 800-57: 2048 bits is the floor). */
const MIN_RSA_BITS = 2048;

function isB64Url(value: unknown): value is string {
	return typeof value === "string" && value.length > 0 && /^[A-Za-z0-9_-]+$/.test(value);
}

/** Bits in a base64url big-endian integer, ignoring leading zero bytes. */
function b64UrlBits(value: string): number {
	const bytes = atob(value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4));
	let i = 0;
	while (i < bytes.length && bytes.charCodeAt(i) === 0) i++;
	if (i === bytes.length) return 0;
	return (bytes.length - i - 1) * 8 + Math.floor(Math.log2(bytes.charCodeAt(i))) + 1;
}

/** Why `jwk` cannot be a recipient key, or null when it can. */
export function recipientKeyProblem(jwk: Record<string, unknown>): string | null {
	const present = PRIVATE_MEMBERS.filter((m) => m in jwk);
	if (present.length > 0) return `recipientKey must be a public key (it has ${present.join(", ")})`;
	if (jwk.use !== undefined && jwk.use !== "enc") return 'recipientKey "use" must be "enc"';
	if (jwk.kid !== undefined && typeof jwk.kid !== "string") return 'recipientKey "kid" must be a string';
	switch (jwk.kty) {
		case "OKP":
			if (jwk.crv !== "X25519") return "an OKP recipientKey must be an X25519 key (Ed25519 keys only sign)";
			return isB64Url(jwk.x) ? null : 'recipientKey "x" is missing';
		case "EC":
			if (!EC_CURVES.includes(String(jwk.crv))) return `an EC recipientKey must be on ${EC_CURVES.join(", ")}`;
			return isB64Url(jwk.x) && isB64Url(jwk.y) ? null : 'recipientKey "x" or "y" is missing';
		case "RSA":
			if (!isB64Url(jwk.n) || !isB64Url(jwk.e)) return 'recipientKey "n" or "e" is missing';
			return b64UrlBits(jwk.n) >= MIN_RSA_BITS ? null : `an RSA recipientKey needs at least ${MIN_RSA_BITS} bits`;
		default:
			return "recipientKey must be an OKP (X25519), EC or RSA key";
	}
}

/** The key-management algorithm for an accepted recipient key. */
export function recipientAlg(jwk: { kty: string }): RecipientAlg {
	return jwk.kty === "RSA" ? "RSA-OAEP-256" : "ECDH-ES+A256KW";
}
