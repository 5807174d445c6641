// Shared pieces of the identifier grammar: sigils, opaque localparts, byte lengths, errors.
// Spec: https://spec.matrix.org/latest/appendices/#common-identifier-format

import { type Errcode, MatrixError } from "../errors";

/** The spec limits user IDs, room IDs, room aliases and event IDs to 255 bytes of UTF-8. */
export const MAX_ID_BYTES = 255;

/** UTF-8 length of a string (lone surrogates count as the 3-byte replacement character). */
export function utf8Length(s: string): number {
	let bytes = 0;
	for (const ch of s) {
		const cp = ch.codePointAt(0) ?? 0;
		bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	}
	return bytes;
}

/**
 * The historical/opaque localpart grammar shared by user IDs (historical form), room IDs with a domain,
 * room aliases and v1/v2 event IDs: "any valid non-surrogate Unicode code points except `:` and `NUL`".
 */
export function isOpaqueLocalpart(s: string): boolean {
	return s.isWellFormed() && !s.includes(":") && !s.includes("\u0000");
}

/**
 * Splits `&localpart:domain` at the first colon (localparts cannot contain one, server names can: ports
 * and IPv6 literals). Returns undefined if the sigil is wrong or there is no colon.
 */
export function splitSigilId(s: string, sigil: string): { localpart: string; domain: string } | undefined {
	if (!s.startsWith(sigil)) return undefined;
	const colon = s.indexOf(":", sigil.length);
	if (colon < 0) return undefined;
	return { localpart: s.slice(sigil.length, colon), domain: s.slice(colon + 1) };
}

/** The 43 characters of URL-safe unpadded base64 of a SHA-256 hash (v4+ event IDs, v12 room IDs). */
export const URL_SAFE_HASH = /^[A-Za-z0-9_-]{43}$/;
/** The 43 characters of standard unpadded base64 of a SHA-256 hash (v3 event IDs). */
export const STANDARD_HASH = /^[A-Za-z0-9+/]{43}$/;

/** Throws the MatrixError a `require*` function raises for a value that failed its `parse*`. */
export function invalidId(what: string, value: unknown, errcode: Errcode = "M_INVALID_PARAM"): never {
	const shown = typeof value === "string" ? JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value) : typeof value;
	throw new MatrixError(errcode, `Invalid ${what}: ${shown}`);
}
