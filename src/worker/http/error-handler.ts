// The one error handler (app.onError): MatrixErrors render themselves; anything else is a 500 that reveals
// nothing about our internals and is logged by name and place, never with request content or tokens.
// Spec: https://spec.matrix.org/latest/client-server-api/#standard-error-response

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { ConfigError } from "../../platform/config";
import { log } from "../../platform/log";
import type { AppEnv } from "./context";

const INTERNAL = JSON.stringify({ errcode: "M_UNKNOWN", error: "Internal server error" });

export function handleError(err: Error, c: Context<AppEnv>): Response {
	if (err instanceof MatrixError) {
		const res = err.getResponse();
		// Spec v1.10+: Retry-After (seconds) alongside the body's retry_after_ms.
		const retryMs = err.extra.retry_after_ms;
		if (err.errcode === "M_LIMIT_EXCEEDED" && typeof retryMs === "number") res.headers.set("Retry-After", String(Math.ceil(retryMs / 1000)));
		return res;
	}
	log.error("unhandled_error", {
		method: c.req.method,
		// The route pattern, not the URL: paths and query strings may carry IDs and access tokens.
		route: c.req.routePath,
		error_name: err.name,
		...describe(err),
	});
	return new Response(INTERNAL, { status: 500, headers: { "content-type": "application/json" } });
}

/** What is safe to log about an error: config problems in full (they never echo secrets), otherwise the stack frames. */
function describe(err: Error): Record<string, unknown> {
	if (err instanceof ConfigError) return { problems: err.problems };
	// JSON.parse and friends quote the input in their messages, so a SyntaxError's message stays out.
	const message = err instanceof SyntaxError ? undefined : err.message.slice(0, 200);
	const frames = (err.stack ?? "").split("\n").filter((line) => line.trim().startsWith("at ")).slice(0, 8);
	return { error_message: message, stack: frames.map((f) => f.trim()) };
}
