// The JSON body of a federation request, read once for signature checks and left in Hono's body
// cache for the handler. Spec: the `content` of
// https://spec.matrix.org/latest/server-server-api/#request-authentication

import type { Context } from "hono";
import { parseJsonBytes, readBodyBytes } from "../../platform/request-body";
import type { AppEnv } from "../../worker/http/context";

/** Mirrors DEFAULT_MAX_JSON_BYTES in worker/http/body.ts, for routes mounted without a limit. */
const FALLBACK_MAX_BYTES = 1024 * 1024;

/** Bodies already parsed, by request: X-Matrix auth parses the body it verifies, and the handler then reuses it. */
const parsed = new WeakMap<object, unknown>();

/**
 * The parsed JSON body, or undefined when there is none: the spec signs `content` only for
 * requests that have a body. A body that is not UTF-8 JSON is 400 M_NOT_JSON.
 */
export async function readRequestJson(c: Context<AppEnv>): Promise<unknown> {
	if (parsed.has(c.req)) return parsed.get(c.req);
	const bytes = await readBodyBytes(c.req, c.get("maxBodyBytes") ?? FALLBACK_MAX_BYTES);
	const body = bytes.length === 0 ? undefined : parseJsonBytes(bytes);
	parsed.set(c.req, body);
	return body;
}
