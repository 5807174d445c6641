// Password hashes: PBKDF2-HMAC-SHA256 through WebCrypto, stored as `pbkdf2-sha256$<iterations>$<salt>$<hash>`
// (unpadded base64), so the iteration count can rise later and old hashes still verify.
// Spec (m.login.password): https://spec.matrix.org/latest/client-server-api/#password-based
//
// Iterations: 100,000. workerd refuses PBKDF2 above 100,000 iterations (Cloudflare's Workers runtime caps it),
// so this is the most the runtime allows; it costs a few tens of milliseconds per login locally, which
// keeps login and UIA responsive while still making each guess of an offline attack expensive.

import { decodeBase64, encodeBase64 } from "../json/base64";

export const PBKDF2_ITERATIONS = 100_000;
/** 16 bytes of salt per user, as NIST SP 800-132 asks (at least 128 bits). */
export const SALT_BYTES = 16;
const HASH_BITS = 256;
const PREFIX = "pbkdf2-sha256";
/** Passwords longer than this are refused before any hashing, so a huge body cannot burn CPU. */
export const MAX_PASSWORD_LENGTH = 512;

const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
	const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
	return new Uint8Array(bits);
}

/** Hashes `password` with the caller's random salt (randomness comes in as an argument). */
export async function hashPassword(password: string, salt: Uint8Array<ArrayBuffer>, iterations = PBKDF2_ITERATIONS): Promise<string> {
	if (salt.length < SALT_BYTES) throw new Error(`salt must be at least ${SALT_BYTES} bytes`);
	const hash = await derive(password, salt, iterations);
	return `${PREFIX}$${iterations}$${encodeBase64(salt)}$${encodeBase64(hash)}`;
}

/** True if `password` matches `stored`. An unreadable stored string never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [prefix, iterText, saltText, hashText, ...rest] = stored.split("$");
	if (prefix !== PREFIX || rest.length > 0 || iterText === undefined || !/^[1-9]\d{0,6}$/.test(iterText)) return false;
	const salt = saltText === undefined ? undefined : decodeBase64(saltText);
	const expected = hashText === undefined ? undefined : decodeBase64(hashText);
	if (salt === undefined || expected === undefined || expected.length * 8 !== HASH_BITS) return false;
	const actual = await derive(password, salt, Number(iterText));
	// Constant-time comparison: the time taken must not tell how many leading bytes matched.
	let diff = 0;
	for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ actual[i]!;
	return diff === 0;
}
