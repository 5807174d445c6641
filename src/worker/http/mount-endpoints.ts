// Mounting the endpoint table: each endpoint gets its declared auth, then its rate limit, then its handler,
// and the same table answers unknown paths (404) and known paths with the wrong method (405).
// Spec: https://spec.matrix.org/latest/client-server-api/#api-standards ("M_UNRECOGNIZED ... 404/405")

import type { Hono, MiddlewareHandler, NotFoundHandler } from "hono";
import { PatternRouter } from "hono/router/pattern-router";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "./context";
import { DEFAULT_MAX_JSON_BYTES, readBodyBytes } from "./body";
import type { AuthKind, Endpoint, HttpMethod } from "./endpoint";
import { rateLimit, TokenBuckets } from "./rate-limit";

/** The middleware chain that proves each kind of caller; the composition root (app.ts) supplies the real ones. */
export type AuthMiddlewares = Readonly<Record<AuthKind, readonly MiddlewareHandler<AppEnv>[]>>;

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "DELETE"];

export function mountEndpoints(app: Hono<AppEnv>, endpoints: readonly Endpoint[], auth: AuthMiddlewares, buckets = new TokenBuckets()): void {
	const seen = new Set<string>();
	for (const endpoint of endpoints) {
		const route = `${endpoint.method} ${endpoint.path}`;
		// Two handlers for one route would silently shadow each other; fail at startup instead.
		if (seen.has(route)) throw new Error(`endpoint declared twice: ${route}`);
		seen.add(route);
		const maxBodyBytes = endpoint.maxBodyBytes ?? DEFAULT_MAX_JSON_BYTES;
		// X-Matrix signs the body, so server auth needs it before the handler does: read it here, once and
		// bounded, into Hono's body cache, where auth and readJsonBody both find it.
		const buffer = endpoint.auth === "server" && (endpoint.method === "PUT" || endpoint.method === "POST");
		const setBodyLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
			c.set("maxBodyBytes", maxBodyBytes);
			if (buffer) await readBodyBytes(c.req, maxBodyBytes);
			await next();
		};
		app.on(endpoint.method, endpoint.path, setBodyLimit, ...auth[endpoint.auth], rateLimit(endpoint, buckets), endpoint.handler);
	}
	app.notFound(unrecognized(endpoints));
}

/** 404 M_UNRECOGNIZED for unknown paths; 405 M_UNRECOGNIZED (with Allow) when the path exists for other methods. */
export function unrecognized(endpoints: readonly Endpoint[]): NotFoundHandler<AppEnv> {
	const router = new PatternRouter<HttpMethod>();
	for (const e of endpoints) router.add(e.method, e.path, e.method);
	return (c) => {
		const allowed = METHODS.filter((m) => router.match(m, c.req.path)[0].length > 0);
		if (allowed.length === 0) return new MatrixError("M_UNRECOGNIZED", "Unrecognized request").getResponse();
		const res = new MatrixError("M_UNRECOGNIZED", "Unrecognized request", { status: 405 }).getResponse();
		res.headers.set("Allow", [...allowed, "OPTIONS"].join(", "));
		return res;
	};
}
