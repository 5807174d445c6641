// Fresh signing keys for this server: a random seed and a short random key ID.
// Spec: https://spec.matrix.org/latest/appendices/#signing-details (key IDs are `ed25519:<version>`,
// and the version "must have the character set [a-zA-Z0-9_]").

import { encodeBase64 } from "../../protocol/json/base64";

// URL-safe base64 minus "-", which the spec's version character set does not allow.
const VERSION_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
const VERSION_LENGTH = 6;

/** `ed25519:` plus 6 random characters from [a-zA-Z0-9_] (about 36 bits: collisions do not matter per server). */
export function generateKeyId(): string {
	let version = "";
	while (version.length < VERSION_LENGTH) {
		for (const byte of crypto.getRandomValues(new Uint8Array(VERSION_LENGTH))) {
			// 252 = 4 × 63: rejecting larger bytes keeps every character equally likely.
			if (byte < 252 && version.length < VERSION_LENGTH) version += VERSION_CHARS[byte % 63];
		}
	}
	return `ed25519:${version}`;
}

/** A new 32-byte Ed25519 seed as unpadded base64, the form own-key-store keeps. */
export function generateSeed(): string {
	return encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
}
