// The X-Matrix Authorization scheme: header grammar, the signed request object, signing and verifying.
// Spec: https://spec.matrix.org/latest/server-server-api/#request-authentication

import { ed25519Sign, ed25519Verify, type SigningKey } from "../crypto/ed25519";
import { signingBytes } from "../crypto/sign-json";
import { encodeBase64 } from "../json/base64";

/** The parameters of one `Authorization: X-Matrix ...` header. */
export interface XMatrixAuth {
	origin: string;
	/** Added in spec v1.3; older senders omit it, so receivers must accept its absence. */
	destination?: string;
	/** The signing key ID, e.g. `ed25519:a_bcDe`. */
	key: string;
	/** Unpadded base64 signature of the request object. */
	sig: string;
}

/** What a request signature covers. `uri` is the path plus `?query` exactly as sent. */
export interface SignedRequest {
	method: string;
	uri: string;
	origin: string;
	destination: string;
	/** The parsed JSON body; absent when the request has no body. */
	content?: unknown;
}

const SCHEME = "x-matrix";
// RFC 7230 §3.2.6 tchar.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const BARE_EXTRA = /[:\/=]/;
const WS = /[ \t]/;

/**
 * Parses one Authorization header value. Returns undefined unless the scheme is X-Matrix and
 * `origin`, `key` and `sig` are all present once. Per the spec: names are case-insensitive,
 * order does not matter, values may be quoted (with `\x` escapes) or bare, bare values may
 * contain colons for older senders, and unknown parameters are ignored.
 */
export function parseXMatrixHeader(value: string): XMatrixAuth | undefined {
	const text = value.trim();
	if (text.slice(0, SCHEME.length).toLowerCase() !== SCHEME) return undefined;
	// The scheme must be followed by at least one space (RFC 7235 §2.1: 1*SP).
	if (!WS.test(text.charAt(SCHEME.length))) return undefined;
	const params = parseParams(text.slice(SCHEME.length));
	if (!params) return undefined;
	const origin = params.get("origin");
	const key = params.get("key");
	const sig = params.get("sig");
	if (!origin || !key || !sig) return undefined;
	const destination = params.get("destination");
	return destination === undefined ? { origin, key, sig } : { origin, destination, key, sig };
}

/**
 * Parses every X-Matrix credential in an Authorization field value. Fetch joins repeated headers
 * with ", " (and a sender may list several credentials in one header), so the value is split
 * before each `X-Matrix ` that follows a comma outside quotes. Malformed credentials are dropped.
 */
export function parseXMatrixHeaders(value: string): XMatrixAuth[] {
	const starts = [0];
	let quoted = false;
	for (let i = 0; i < value.length; i++) {
		const ch = value.charAt(i);
		if (quoted && ch === "\\") i++;
		else if (ch === '"') quoted = !quoted;
		else if (!quoted && ch === ",") {
			let j = i + 1;
			while (WS.test(value.charAt(j))) j++;
			if (value.slice(j, j + SCHEME.length).toLowerCase() === SCHEME && WS.test(value.charAt(j + SCHEME.length))) starts.push(j);
		}
	}
	const found: XMatrixAuth[] = [];
	starts.forEach((start, n) => {
		const end = n + 1 < starts.length ? starts[n + 1]! : value.length;
		const auth = parseXMatrixHeader(value.slice(start, end)); // the trailing ", " is an empty list element
		if (auth) found.push(auth);
	});
	return found;
}

/** `name=value` pairs separated by commas; undefined on a syntax error or a repeated name. */
function parseParams(text: string): Map<string, string> | undefined {
	const params = new Map<string, string>();
	let i = 0;
	const skipWs = () => {
		while (i < text.length && WS.test(text.charAt(i))) i++;
	};
	for (;;) {
		// Empty list elements are allowed by RFC 7230 §7 (`#rule`), so skip stray commas.
		while (i < text.length && (WS.test(text.charAt(i)) || text.charAt(i) === ",")) i++;
		if (i >= text.length) break;
		const nameStart = i;
		while (i < text.length && TCHAR.test(text.charAt(i))) i++;
		const name = text.slice(nameStart, i).toLowerCase();
		if (name === "") return undefined;
		skipWs();
		if (text.charAt(i) !== "=") return undefined;
		i++;
		skipWs();
		let paramValue = "";
		if (text.charAt(i) === '"') {
			i++;
			let closed = false;
			while (i < text.length) {
				const ch = text.charAt(i++);
				if (ch === '"') {
					closed = true;
					break;
				}
				// A backslash-character pair stands for the character after the backslash.
				if (ch === "\\") {
					if (i >= text.length) return undefined;
					paramValue += text.charAt(i++);
				} else {
					paramValue += ch;
				}
			}
			if (!closed) return undefined;
		} else {
			const start = i;
			// Bare values are tokens, plus `:` which older servers send unquoted, and the base64 `/`
			// and `=` that a bare signature would carry (RFC 7235 token68).
			while (i < text.length && (TCHAR.test(text.charAt(i)) || BARE_EXTRA.test(text.charAt(i)))) i++;
			paramValue = text.slice(start, i);
			if (paramValue === "") return undefined;
		}
		if (params.has(name)) return undefined; // ambiguous: which one was signed?
		params.set(name, paramValue);
		skipWs();
		if (i < text.length && text.charAt(i) !== ",") return undefined;
	}
	return params;
}

/** Quotes a parameter value, escaping the two characters a quoted-string cannot hold bare. */
function quote(value: string): string {
	return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/** Formats the header as the spec asks senders to: one space, lower-case names, quoted values. */
export function formatXMatrixHeader(auth: Required<XMatrixAuth>): string {
	return `X-Matrix origin=${quote(auth.origin)},destination=${quote(auth.destination)},key=${quote(auth.key)},sig=${quote(auth.sig)}`;
}

/** The JSON object a request signature covers (step 1 of the spec). `content` only when there is a body. */
export function requestSigningPayload(request: SignedRequest): Record<string, unknown> {
	const payload: Record<string, unknown> = {
		method: request.method,
		uri: request.uri,
		origin: request.origin,
		destination: request.destination,
	};
	if (request.content !== undefined) payload.content = request.content;
	return payload;
}

/** Signs a request and returns the Authorization header value to send with it. */
export async function signRequest(key: SigningKey, request: SignedRequest): Promise<string> {
	const signature = await ed25519Sign(key, signingBytes(requestSigningPayload(request)));
	return formatXMatrixHeader({
		origin: request.origin,
		destination: request.destination,
		key: key.keyId,
		sig: encodeBase64(signature),
	});
}

/**
 * Checks a parsed header's signature against the request, given the origin's public key for
 * `auth.key` (unpadded base64). The origin signed `auth.origin`, so that is what we rebuild.
 * Content that cannot be canonical JSON (floats, huge integers) cannot carry a valid signature.
 */
export async function verifyRequest(
	publicKeyBase64: string,
	auth: XMatrixAuth,
	request: Omit<SignedRequest, "origin">,
): Promise<boolean> {
	let bytes: Uint8Array;
	try {
		bytes = signingBytes(requestSigningPayload({ ...request, origin: auth.origin }));
	} catch {
		return false;
	}
	return ed25519Verify(publicKeyBase64, auth.sig, bytes);
}
