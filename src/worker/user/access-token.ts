// Access tokens that name their owner: `mxt_<b64url localpart>_<random>_<crc>`, like Synapse's `syt_`
// tokens (synapse/handlers/auth.py). The localpart routes a request straight to the right UserDO with
// no D1 lookup; the CRC lets typos and junk be refused before any storage call. Only hashes are stored.
// Spec: https://spec.matrix.org/latest/client-server-api/#using-access-tokens

import { decodeBase64, encodeBase64, encodeBase64Url } from "../../protocol/json/base64";
import { crc32 } from "./crc32";

const PREFIX = "mxt_";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CRC_CHARS = 6; // 62^6 > 2^32
/** At least 128 bits of randomness; 20 bytes is what callers pass. */
export const MIN_RANDOM_BYTES = 16;
/** Longer inputs are refused before any work: localparts are at most 255 bytes. */
const MAX_TOKEN_LENGTH = 512;
const TOKEN_SHAPE = /^mxt_([A-Za-z0-9_-]+)_([0-9A-Za-z]{20,})_([0-9A-Za-z]{6})$/;

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as part of the localpart instead of silently dropping it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Big-endian bytes → base62, zero-padded to the width the byte count can need, so every token of a size has one length. */
function base62(bytes: Uint8Array): string {
	let n = 0n;
	for (const b of bytes) n = (n << 8n) | BigInt(b);
	const width = Math.ceil((bytes.length * 8) / Math.log2(62));
	let out = "";
	while (n > 0n) {
		out = BASE62[Number(n % 62n)]! + out;
		n /= 62n;
	}
	return out.padStart(width, "0");
}

function crcOf(text: string): string {
	let n = crc32(encoder.encode(text));
	let out = "";
	for (let i = 0; i < CRC_CHARS; i++) {
		out = BASE62[n % 62]! + out;
		n = Math.floor(n / 62);
	}
	return out;
}

/** Mints a token for `localpart` from the caller's random bytes (time and randomness come in as arguments). */
export function mintAccessToken(localpart: string, randomBytes: Uint8Array): string {
	if (localpart.length === 0) throw new Error("empty localpart");
	if (randomBytes.length < MIN_RANDOM_BYTES) throw new Error(`need at least ${MIN_RANDOM_BYTES} random bytes`);
	const body = `${PREFIX}${encodeBase64Url(encoder.encode(localpart))}_${base62(randomBytes)}`;
	return `${body}_${crcOf(body)}`;
}

/**
 * The localpart a token names, or undefined if it is not one of our tokens (wrong shape, bad CRC,
 * undecodable localpart). Pure and cheap: a forged or mistyped token never reaches storage.
 */
export function parseAccessToken(token: string): { localpart: string } | undefined {
	if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(PREFIX)) return undefined;
	// The b64url localpart may itself contain '_'; the random part and CRC cannot, so the regex's
	// greedy first group still splits at the last two underscores.
	const m = TOKEN_SHAPE.exec(token);
	if (m === null) return undefined;
	const [, b64, , crc] = m;
	if (crcOf(token.slice(0, token.length - CRC_CHARS - 1)) !== crc) return undefined;
	const bytes = decodeBase64(b64!);
	if (bytes === undefined || bytes.length === 0) return undefined;
	// Reject non-canonical encodings so one localpart has exactly one token spelling.
	if (encodeBase64Url(bytes) !== b64) return undefined;
	try {
		return { localpart: strictUtf8.decode(bytes) };
	} catch {
		return undefined;
	}
}

/** What storage keeps instead of the token: SHA-256, unpadded standard Base64. */
export async function hashToken(token: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", encoder.encode(token));
	return encodeBase64(new Uint8Array(digest));
}
