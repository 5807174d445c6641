// Reading request bodies: size limit first, then JSON, then shape. Every failure is the spec's error.
// Spec: https://spec.matrix.org/latest/client-server-api/#common-error-codes (M_NOT_JSON, M_BAD_JSON, M_TOO_LARGE)

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import { parseJsonBytes, readBodyBytes } from "../../platform/request-body";
import type { AppEnv } from "./context";

export { readBodyBytes };

/** Client JSON bodies are small; endpoints that take more (federation transactions) declare `maxBodyBytes`. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/**
 * Checks a parsed body's shape: returns the typed value, or undefined for "malformed" (→ M_BAD_JSON).
 * It may throw its own MatrixError for a sharper code, such as M_MISSING_PARAM.
 */
export type BodyValidator<T> = (body: JsonObject) => T | undefined;

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
	const parsed = parseJsonBytes(await readBodyBytes(c.req, maxBytes));
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
		throw new MatrixError("M_BAD_JSON", "Request body must be a JSON object");
	}
	const body = parsed as JsonObject;
	if (!validate) return body;
	const value = validate(body);
	if (value === undefined) throw new MatrixError("M_BAD_JSON", "Request body has the wrong shape");
	return value;
}
