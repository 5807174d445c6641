// Unpadded Base64 (standard alphabet) and its URL-safe variant.
// Spec: https://spec.matrix.org/latest/appendices/#unpadded-base64

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Decoding accepts both alphabets, since the spec asks implementations to accept padded and URL-safe input.
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
	DECODE[STD.charCodeAt(i)] = i;
	DECODE[URL_SAFE.charCodeAt(i)] = i;
}

function encodeWith(alphabet: string, bytes: Uint8Array): string {
	let out = "";
	let i = 0;
	for (; i + 2 < bytes.length; i += 3) {
		const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
		out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
	}
	const rest = bytes.length - i;
	if (rest === 1) {
		const n = bytes[i]! << 16;
		out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]!;
	} else if (rest === 2) {
		const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
		out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]!;
	}
	return out;
}

/** Unpadded standard Base64: hashes, signatures, keys. */
export function encodeBase64(bytes: Uint8Array): string {
	return encodeWith(STD, bytes);
}

/** Unpadded URL-safe Base64: event IDs in room versions 4+. */
export function encodeBase64Url(bytes: Uint8Array): string {
	return encodeWith(URL_SAFE, bytes);
}

/**
 * Decodes standard or URL-safe Base64, padded or not. Returns undefined for anything else
 * (bad characters, impossible length), so callers decide which Matrix error applies.
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
	let end = text.length;
	while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
	if (text.length - end > 2 || (text.length !== end && text.length % 4 !== 0)) return undefined;
	if (end % 4 === 1) return undefined;
	const out = new Uint8Array(Math.floor((end * 3) / 4));
	let acc = 0;
	let bits = 0;
	let o = 0;
	for (let i = 0; i < end; i++) {
		const c = text.charCodeAt(i);
		const v = c < 128 ? DECODE[c]! : -1;
		if (v < 0) return undefined;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (acc >> bits) & 0xff;
		}
	}
	return out;
}
