// Canonical JSON: the byte form that Matrix hashes and signs.
// Spec: https://spec.matrix.org/latest/appendices/#canonical-json

import { MatrixError } from "../errors";

/** Canonical JSON allows integers in [-(2^53)+1, (2^53)-1] only. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Orders keys by Unicode code point, not by UTF-16 code unit as `Array.prototype.sort` does. The orders
 * agree up to the first differing code unit when both are below the surrogates (U+D800), which is nearly
 * every key; only past that point does it walk code points.
 */
export function compareCodePoints(a: string, b: string): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		const ca = a.charCodeAt(i);
		const cb = b.charCodeAt(i);
		if (ca === cb) continue;
		if (ca < 0xd800 && cb < 0xd800) return ca - cb;
		return compareFromCodePoints(a, b);
	}
	return a.length - b.length;
}

function compareFromCodePoints(a: string, b: string): number {
	const ia = a[Symbol.iterator]();
	const ib = b[Symbol.iterator]();
	for (;;) {
		const ca = ia.next();
		const cb = ib.next();
		if (ca.done) return cb.done ? 0 : -1;
		if (cb.done) return 1;
		const d = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
		if (d !== 0) return d;
	}
}

/** A value that cannot be encoded as canonical JSON (float, out-of-range integer, undefined, ...). */
export class CanonicalJsonError extends MatrixError {
	constructor(message: string) {
		super("M_BAD_JSON", message);
		this.name = "CanonicalJsonError";
	}
}

/**
 * Encodes a JSON value as canonical JSON: no insignificant whitespace, keys sorted by code point,
 * UTF-8 strings with only the escapes JSON requires. Throws CanonicalJsonError on floats,
 * integers outside ±(2^53−1), and non-JSON values.
 */
export function canonicalJson(value: unknown): string {
	switch (typeof value) {
		case "string":
			// JSON.stringify escapes exactly `"`, `\` and U+0000–U+001F (short forms where they exist) and
			// lone surrogates, and leaves everything else, U+2028/9 included, as UTF-8: the spec's form.
			return JSON.stringify(value);
		case "number":
			if (!Number.isInteger(value)) throw new CanonicalJsonError(`not an integer: ${value}`);
			if (value > MAX_SAFE || value < -MAX_SAFE) throw new CanonicalJsonError(`integer out of range: ${value}`);
			return Object.is(value, -0) ? "0" : String(value);
		case "boolean":
			return value ? "true" : "false";
		case "object": {
			if (value === null) return "null";
			if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
			const obj = value as Record<string, unknown>;
			const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
			keys.sort(compareCodePoints);
			return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
		}
		default:
			throw new CanonicalJsonError(`not a JSON value: ${typeof value}`);
	}
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of the canonical JSON form: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
	return encoder.encode(canonicalJson(value));
}
