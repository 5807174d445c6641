// Ed25519 signing keys through WebCrypto (works in workerd and Node).
// Spec: https://spec.matrix.org/latest/appendices/#signing-json (ed25519 is the only algorithm in use).

import { decodeBase64, encodeBase64 } from "../json/base64";
import { toArrayBufferView } from "./bytes";

/** A Matrix signing key: `ed25519:<version>` plus the key pair. The seed never leaves this object. */
export interface SigningKey {
	/** e.g. `ed25519:a_bcDe` */
	keyId: string;
	privateKey: CryptoKey;
	/** Unpadded base64 of the 32-byte public key, as published in `verify_keys`. */
	publicKeyBase64: string;
}

// RFC 8410 PKCS#8 wrapping of a raw 32-byte Ed25519 seed, which WebCrypto needs to import it.
const PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** Builds a signing key from a 32-byte seed (the form Synapse and the spec's vectors store). */
export async function signingKeyFromSeed(keyId: string, seed: Uint8Array): Promise<SigningKey> {
	if (seed.length !== 32) throw new Error("an Ed25519 seed is 32 bytes");
	if (!keyId.startsWith("ed25519:")) throw new Error("signing key IDs start with ed25519:");
	const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
	pkcs8.set(PKCS8_PREFIX);
	pkcs8.set(seed, PKCS8_PREFIX.length);
	// Extractable only to read the public half once, through JWK.
	const extractable = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
	const jwk = (await crypto.subtle.exportKey("jwk", extractable)) as JsonWebKey;
	const publicKey = decodeBase64(jwk.x ?? "");
	if (!publicKey || publicKey.length !== 32) throw new Error("could not derive the Ed25519 public key");
	const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
	return { keyId, privateKey, publicKeyBase64: encodeBase64(publicKey) };
}

export async function ed25519Sign(key: SigningKey, message: Uint8Array): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.sign("Ed25519", key.privateKey, toArrayBufferView(message)));
}

/** Verifies with a raw public key given as unpadded base64. Malformed keys or signatures verify false. */
export async function ed25519Verify(publicKeyBase64: string, signatureBase64: string, message: Uint8Array): Promise<boolean> {
	const pub = decodeBase64(publicKeyBase64);
	const sig = decodeBase64(signatureBase64);
	if (!pub || pub.length !== 32 || !sig || sig.length !== 64) return false;
	try {
		const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
		return await crypto.subtle.verify("Ed25519", key, sig, toArrayBufferView(message));
	} catch {
		return false;
	}
}
