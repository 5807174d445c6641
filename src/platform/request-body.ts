// Reading a request body once, bounded in size, and leaving it in Hono's body cache so that later
// readers (X-Matrix auth hashes the body it verifies, then the handler parses it) see the same bytes.
// Spec: https://spec.matrix.org/latest/client-server-api/#common-error-codes (M_NOT_JSON, M_TOO_LARGE)

import type { HonoRequest } from "hono";
import { MatrixError } from "../protocol/errors";
import { readBounded } from "./bounded-read";

function tooLarge(maxBytes: number): MatrixError {
	return new MatrixError("M_TOO_LARGE", `Request body is larger than ${maxBytes} bytes`);
}

/** Reads the raw body, refusing more than `maxBytes` by Content-Length up front or by counting as it streams. */
export async function readBodyBytes(req: HonoRequest, maxBytes: number): Promise<Uint8Array> {
	const declared = req.header("content-length");
	if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);

	// Already read through Hono's cache: reuse that.
	if (Object.keys(req.bodyCache).length > 0 || req.raw.bodyUsed) {
		const bytes = new Uint8Array(await req.arrayBuffer());
		if (bytes.length > maxBytes) throw tooLarge(maxBytes);
		return bytes;
	}
	const body = req.raw.body;
	if (!body) return new Uint8Array();
	// A declared length within the limit bounds the body already (HTTP framing ends it there), so it is read
	// in one piece; the count afterwards still holds if the runtime ever let more through.
	const bytes = declared !== undefined && /^\d+$/.test(declared) ? new Uint8Array(await req.raw.arrayBuffer()) : await readBounded(body, maxBytes);
	if (bytes === undefined || bytes.length > maxBytes) throw tooLarge(maxBytes);
	// Hono caches promises here although its type says ArrayBuffer, hence Object.assign.
	Object.assign(req.bodyCache, { arrayBuffer: Promise.resolve(bytes.buffer) });
	return bytes;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Parses UTF-8 JSON bytes; anything else is 400 M_NOT_JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
	try {
		return JSON.parse(utf8.decode(bytes));
	} catch {
		throw new MatrixError("M_NOT_JSON", "Content not JSON.");
	}
}
