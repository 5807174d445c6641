// The one error handler (app.onError): errors that render themselves (MatrixError, LaError) do; anything
// else is a 500 that reveals nothing about our internals and is logged by name and place, never with
// request content or tokens. Under /_lawful every error speaks the lawful-access `LA_*` format.
// Spec: https://spec.matrix.org/latest/client-server-api/#standard-error-response

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { ConfigError } from "../../platform/config";
import { log } from "../../platform/log";
import type { AppEnv } from "./context";

const INTERNAL = JSON.stringify({ errcode: "M_UNKNOWN", error: "Internal server error" });

/** An error that renders itself (MatrixError, the lawful-access LaError): "errors render themselves". */
interface SelfRendering {
	getResponse(): Response;
}

function rendersItself(err: Error): err is Error & SelfRendering {
	return typeof (err as Partial<SelfRendering>).getResponse === "function";
}

/**
 * /_lawful speaks its own `{"code":"LA_…"}` language (LAWFUL_ACCESS.md): a Matrix error from shared
 * middleware (operator auth, rate limits, body limits) is translated there by status.
 */
const LAWFUL_CODE_BY_STATUS: Readonly<Record<number, string>> = {
	400: "LA_BAD_REQUEST",
	401: "LA_UNAUTHENTICATED",
	403: "LA_FORBIDDEN",
	404: "LA_NOT_FOUND",
	405: "LA_BAD_REQUEST",
	413: "LA_MALFORMED",
	429: "LA_BAD_REQUEST",
};

function lawfulResponse(status: number, code: string, detail: string): Response {
	return new Response(JSON.stringify({ code, detail }), { status, headers: { "content-type": "application/json" } });
}

export function handleError(err: Error, c: Context<AppEnv>): Response {
	const lawful = c.req.path.startsWith("/_lawful/");
	if (lawful && err instanceof MatrixError) return lawfulResponse(err.status, LAWFUL_CODE_BY_STATUS[err.status] ?? "LA_BAD_REQUEST", err.message);
	if (err instanceof MatrixError) {
		const res = err.getResponse();
		// Spec v1.10+: Retry-After (seconds) alongside the body's retry_after_ms.
		const retryMs = err.extra.retry_after_ms;
		if (err.errcode === "M_LIMIT_EXCEEDED" && typeof retryMs === "number") res.headers.set("Retry-After", String(Math.ceil(retryMs / 1000)));
		return res;
	}
	if (rendersItself(err)) return err.getResponse();
	log.error("unhandled_error", {
		method: c.req.method,
		// The route pattern, not the URL: paths and query strings may carry IDs and access tokens.
		route: c.req.routePath,
		error_name: err.name,
		...describe(err),
	});
	if (lawful) return lawfulResponse(500, "LA_INTERNAL", "Internal error");
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
