// Step 1: "Size ≤ 1 MiB, JWS parses, `alg` allowed, `kid` known: LA_MALFORMED 400, LA_ALG_NOT_ALLOWED 400,
// LA_KEY_UNKNOWN 401" (LAWFUL_ACCESS.md "Validation"). "JWS parses" covers both serialisations the design
// allows (compact, and JSON General for co-signed orders), the protected header `typ: "lawful-order+jws"`,
// and a payload that is a JSON object. Everything security-relevant must be in the protected header.

import { findKey } from "../../trust/lookup";
import type { TrustStore } from "../../trust/schema";
import { LaError } from "../la-errors";
import type { JwsSignature, ParsedJws } from "./context";

export const MAX_ORDER_BYTES = 1024 * 1024;
export const ORDER_TYP = "lawful-order+jws";
const ALLOWED_ALGS = ["EdDSA", "ES256"] as const;
const B64URL = /^[A-Za-z0-9_-]*$/;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function malformed(detail: string): LaError {
	return new LaError("LA_MALFORMED", detail);
}

function b64urlText(segment: string, what: string): string {
	if (!B64URL.test(segment)) throw malformed(`${what} is not base64url`);
	try {
		const bin = atob(segment.replace(/-/g, "+").replace(/_/g, "/"));
		return utf8.decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
	} catch {
		throw malformed(`${what} is not base64url-encoded UTF-8`);
	}
}

function jsonObject(text: string, what: string): Record<string, unknown> {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw malformed(`${what} is not JSON`);
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed(`${what} is not a JSON object`);
	return Object.fromEntries(Object.entries(value));
}

interface RawSignature {
	protectedB64: string;
	signatureB64: string;
}

/** Compact `h.p.s`, or JSON General `{payload, signatures:[{protected, signature}]}`. */
function splitSerialisation(text: string): { payloadB64: string; signatures: RawSignature[] } {
	const trimmed = text.trim();
	if (!trimmed.startsWith("{")) {
		const parts = trimmed.split(".");
		if (parts.length !== 3) throw malformed("not a compact JWS (three base64url parts) nor JSON General serialisation");
		const [protectedB64 = "", payloadB64 = "", signatureB64 = ""] = parts;
		return { payloadB64, signatures: [{ protectedB64, signatureB64 }] };
	}
	const outer = jsonObject(trimmed, "the JWS");
	const { payload, signatures } = outer;
	if (typeof payload !== "string" || !Array.isArray(signatures) || signatures.length === 0) {
		throw malformed("JSON serialisation must be General: {payload, signatures:[{protected, signature}]}");
	}
	const extra = Object.keys(outer).filter((k) => k !== "payload" && k !== "signatures");
	if (extra.length > 0) throw malformed(`unexpected JWS member ${extra[0]}`);
	const raw = signatures.map((s: unknown): RawSignature => {
		if (typeof s !== "object" || s === null) throw malformed("a signature entry is not an object");
		const entry = Object.fromEntries(Object.entries(s));
		// Unprotected headers could carry a kid or alg the signature does not cover: refuse them.
		if ("header" in entry) throw malformed("unprotected JWS headers are not accepted; put everything in the protected header");
		if (typeof entry.protected !== "string" || typeof entry.signature !== "string") throw malformed("a signature entry lacks protected or signature");
		return { protectedB64: entry.protected, signatureB64: entry.signature };
	});
	return { payloadB64: payload, signatures: raw };
}

export function parseOrderJws(bytes: Uint8Array, trust: TrustStore): ParsedJws {
	if (bytes.byteLength > MAX_ORDER_BYTES) throw malformed(`the order is larger than ${MAX_ORDER_BYTES} bytes`);
	let text: string;
	try {
		text = utf8.decode(bytes);
	} catch {
		throw malformed("the body is not UTF-8");
	}
	const { payloadB64, signatures: raw } = splitSerialisation(text);
	const payloadText = b64urlText(payloadB64, "the payload");
	const payload = jsonObject(payloadText, "the payload");
	const kids = new Set<string>();
	const signatures = raw.map((sig, i): JwsSignature => {
		if (!B64URL.test(sig.signatureB64) || sig.signatureB64 === "") throw malformed(`signature ${i} is not base64url`);
		const header = jsonObject(b64urlText(sig.protectedB64, `protected header ${i}`), `protected header ${i}`);
		// `crit` (e.g. b64:false) would change what is signed; none is understood, so none is accepted (RFC 7515 4.1.11).
		if ("crit" in header || "b64" in header) throw malformed(`protected header ${i} uses crit/b64, which are not accepted`);
		if (header.typ !== ORDER_TYP) throw malformed(`protected header ${i} must have typ "${ORDER_TYP}"`);
		const alg = ALLOWED_ALGS.find((a) => a === header.alg);
		if (alg === undefined) throw new LaError("LA_ALG_NOT_ALLOWED", `alg ${JSON.stringify(header.alg)} is not allowed; use EdDSA or ES256`);
		if (typeof header.kid !== "string" || header.kid === "") throw malformed(`protected header ${i} has no kid`);
		if (kids.has(header.kid)) throw malformed(`key ${header.kid} signed twice`);
		kids.add(header.kid);
		const pinned = findKey(trust, header.kid);
		if (!pinned) throw new LaError("LA_KEY_UNKNOWN", `no pinned key has kid ${JSON.stringify(header.kid)}`);
		return { ...sig, alg, kid: header.kid, pinned };
	});
	return { payloadB64, payloadText, payload, signatures };
}
