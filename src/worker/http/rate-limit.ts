// Per-isolate token buckets: each endpoint's declared RateLimit, per caller (user, origin server or IP).
// Spec: https://spec.matrix.org/latest/client-server-api/#rate-limiting (429 M_LIMIT_EXCEEDED + retry_after_ms).
// Per isolate on purpose: it blunts floods cheaply; a global limit would need a Durable Object on every request.

import type { Context, MiddlewareHandler } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "./context";
import type { Endpoint, RateLimit } from "./endpoint";

interface Bucket {
	tokens: number;
	updatedMs: number;
}

/** Beyond this many callers the oldest buckets go, so a scan of many IPs cannot grow memory without bound. */
const MAX_BUCKETS = 10_000;

export class TokenBuckets {
	private readonly buckets = new Map<string, Bucket>();

	constructor(private readonly now: () => number = Date.now) {}

	/** Takes one token; returns 0 when allowed, else the milliseconds until a token is available. */
	take(key: string, limit: RateLimit): number {
		const now = this.now();
		const bucket = this.buckets.get(key) ?? { tokens: limit.burst, updatedMs: now };
		bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * limit.perSecond);
		bucket.updatedMs = now;
		// Re-insert so Map order is least-recently-used first.
		this.buckets.delete(key);
		this.buckets.set(key, bucket);
		if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value ?? key);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return 0;
		}
		return Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000);
	}
}

/** Who is calling, from what auth proved: the user, the origin server, or else the client IP. */
export function callerKey(c: Context<AppEnv>, endpoint: Pick<Endpoint, "auth">): string {
	switch (endpoint.auth) {
		case "user":
		case "operator":
			return `user:${c.get("user")}`;
		case "server":
			return `server:${c.get("origin")}`;
		default:
			// CF-Connecting-IP is set by Cloudflare's edge; local runs have none.
			return `ip:${c.req.header("cf-connecting-ip") ?? "local"}`;
	}
}

/** A declared limit scaled by RATE_LIMIT_PERCENT; null when limiting is off (0%) or none is declared. */
export function scaledLimit(limit: RateLimit | null, percent: number): RateLimit | null {
	if (limit === null || percent <= 0) return null;
	return { perSecond: (limit.perSecond * percent) / 100, burst: Math.max(1, Math.round((limit.burst * percent) / 100)) };
}

/** Middleware enforcing one endpoint's limit. It runs after auth so it can key by the authenticated caller. */
export function rateLimit(endpoint: Endpoint, buckets: TokenBuckets): MiddlewareHandler<AppEnv> {
	const route = `${endpoint.method} ${endpoint.path}`;
	return async (c, next) => {
		const limit = scaledLimit(endpoint.rateLimit, c.get("config").rateLimitPercent);
		if (limit) {
			const retryAfterMs = buckets.take(`${route}|${callerKey(c, endpoint)}`, limit);
			if (retryAfterMs > 0) {
				throw new MatrixError("M_LIMIT_EXCEEDED", "Too many requests", { extra: { retry_after_ms: retryAfterMs } });
			}
		}
		await next();
	};
}
