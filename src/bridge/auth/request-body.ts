// Reading a federation request's body once for signature checks, and leaving it in Hono's body
// cache so the handler reads the same bytes again. Spec: the `content` of
// https://spec.matrix.org/latest/server-server-api/#request-authentication

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "../../worker/http/context";

/** Mirrors DEFAULT_MAX_JSON_BYTES in worker/http/body.ts, for routes mounted without a limit. */
const FALLBACK_MAX_BYTES = 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function tooLarge(maxBytes: number): MatrixError {
	return new MatrixError("M_TOO_LARGE", `Request body is larger than ${maxBytes} bytes`);
}

/**
 * The body's bytes, bounded by the endpoint's `maxBodyBytes`. Streams the raw body at most once and
 * stores the bytes under `bodyCache.arrayBuffer`: Hono's `c.req.json()`, `.text()` and
 * `.arrayBuffer()` then all derive from that cache instead of the consumed stream.
 */
export async function readCachedBody(c: Context<AppEnv>): Promise<Uint8Array> {
	const maxBytes = c.get("maxBodyBytes") ?? FALLBACK_MAX_BYTES;
	const declared = c.req.header("content-length");
	if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
	if (Object.keys(c.req.bodyCache).length > 0 || c.req.raw.bodyUsed) {
		const bytes = new Uint8Array(await c.req.arrayBuffer());
		if (bytes.length > maxBytes) throw tooLarge(maxBytes);
		return bytes;
	}
	const chunks: Uint8Array[] = [];
	let size = 0;
	const body = c.req.raw.body;
	if (body) {
		const reader = body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > maxBytes) {
				await reader.cancel();
				throw tooLarge(maxBytes);
			}
			chunks.push(value);
		}
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	// Hono keeps promises in bodyCache although its type says ArrayBuffer (see HonoRequest#cachedBody).
	Object.assign(c.req.bodyCache, { arrayBuffer: Promise.resolve(bytes.buffer) });
	return bytes;
}

/**
 * The parsed JSON body, or undefined when there is none: the spec signs `content` only for
 * requests that have a body. A body that is not UTF-8 JSON is 400 M_NOT_JSON.
 */
export async function readRequestJson(c: Context<AppEnv>): Promise<unknown> {
	const bytes = await readCachedBody(c);
	if (bytes.length === 0) return undefined;
	try {
		return JSON.parse(utf8.decode(bytes));
	} catch {
		throw new MatrixError("M_NOT_JSON", "Content not JSON.");
	}
}
