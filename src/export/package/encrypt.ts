// Encrypting a finished package to the order's delivery.recipientKey: a compact JWE (RFC 7516) whose plaintext
// is the package ZIP byte for byte, so after decryption every check of verify-package applies unchanged.
// Header: alg ECDH-ES+A256KW (X25519 or EC keys) or RSA-OAEP-256 (RSA keys), enc A256GCM, typ
// "lawful-package+jwe", cty "application/zip", kid = the key's kid or else its RFC 7638 thumbprint.
// Design: LAWFUL_ACCESS.md "Lifecycle" (Delivery: "Optionally the package is encrypted (JWE) to recipientKey").

import { CompactEncrypt, calculateJwkThumbprint, importJWK, type JWK } from "jose";
import { recipientAlg } from "../order/recipient-key";
import type { RecipientKey } from "../order/types";

export const PACKAGE_JWE_TYP = "lawful-package+jwe";
export const PACKAGE_JWE_ENC = "A256GCM";

/** The key's kid, or its SHA-256 JWK thumbprint when it has none, so the recipient can tell which key to use. */
export async function recipientKid(jwk: RecipientKey): Promise<string> {
	return typeof jwk.kid === "string" ? jwk.kid : calculateJwkThumbprint(jwk as JWK, "sha256");
}

/** The compact JWE of `zip` to `jwk` (a key that passed recipientKeyProblem at order validation). */
export async function encryptPackage(zip: Uint8Array, jwk: RecipientKey): Promise<string> {
	const alg = recipientAlg(jwk);
	const key = await importJWK(jwk as JWK, alg);
	return new CompactEncrypt(zip)
		.setProtectedHeader({ alg, enc: PACKAGE_JWE_ENC, typ: PACKAGE_JWE_TYP, cty: "application/zip", kid: await recipientKid(jwk) })
		.encrypt(key);
}
