// Reading request bodies: size limit first, then JSON, then shape. Every failure is the spec's error.
// Spec: https://spec.matrix.org/latest/client-server-api/#common-error-codes (M_NOT_JSON, M_BAD_JSON, M_TOO_LARGE)

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "./context";

/** Client JSON bodies are small; endpoints that take more (federation transactions) declare `maxBodyBytes`. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/**
 * Checks a parsed body's shape: returns the typed value, or undefined for "malformed" (→ M_BAD_JSON).
 * It may throw its own MatrixError for a sharper code, such as M_MISSING_PARAM.
 */
export type BodyValidator<T> = (body: JsonObject) => T | undefined;

function tooLarge(maxBytes: number): MatrixError {
	return new MatrixError("M_TOO_LARGE", `Request body is larger than ${maxBytes} bytes`);
}

/** Reads the raw body, refusing more than `maxBytes` by Content-Length up front or by counting as it streams. */
export async function readBodyBytes(c: Context<AppEnv>, maxBytes: number): Promise<Uint8Array> {
	const declared = c.req.header("content-length");
	if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);

	// Something (X-Matrix auth hashes the body it verifies) already read it through Hono's cache: reuse that.
	if (Object.keys(c.req.bodyCache).length > 0 || c.req.raw.bodyUsed) {
		const bytes = new Uint8Array(await c.req.arrayBuffer());
		if (bytes.length > maxBytes) throw tooLarge(maxBytes);
		return bytes;
	}
	const body = c.req.raw.body;
	if (!body) return new Uint8Array();
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.length;
		if (size > maxBytes) {
			await reader.cancel();
			throw tooLarge(maxBytes);
		}
		chunks.push(value);
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.length;
	}
	// Let later readers (c.req.json(), a second readJsonBody) see the same bytes. Hono caches promises
	// here although its type says ArrayBuffer, hence Object.assign rather than a typed assignment.
	Object.assign(c.req.bodyCache, { arrayBuffer: Promise.resolve(bytes.buffer) });
	return bytes;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The request body as a JSON object: over the endpoint's limit → 413 M_TOO_LARGE, not JSON (or not UTF-8)
 * → 400 M_NOT_JSON, not an object or rejected by `validate` → 400 M_BAD_JSON.
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<JsonObject>;
export async function readJsonBody<T>(c: Context<AppEnv>, validate: BodyValidator<T>, options?: { maxBytes?: number }): Promise<T>;
export async function readJsonBody<T>(
	c: Context<AppEnv>,
	validate?: BodyValidator<T>,
	options: { maxBytes?: number } = {},
): Promise<T | JsonObject> {
	const maxBytes = options.maxBytes ?? c.get("maxBodyBytes") ?? DEFAULT_MAX_JSON_BYTES;
	const bytes = await readBodyBytes(c, maxBytes);
	let parsed: unknown;
	try {
		parsed = JSON.parse(utf8.decode(bytes));
	} catch {
		throw new MatrixError("M_NOT_JSON", "Content not JSON.");
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
		throw new MatrixError("M_BAD_JSON", "Request body must be a JSON object");
	}
	const body = parsed as JsonObject;
	if (!validate) return body;
	const value = validate(body);
	if (value === undefined) throw new MatrixError("M_BAD_JSON", "Request body has the wrong shape");
	return value;
}
