// Endpoints are data: each declares method, path, auth and rate limit; mounting enforces them.
// See ARCHITECTURE.md "Endpoints are data", mount-endpoints.ts and test/integration/router-walk.test.ts.

import type { Handler } from "hono";
import type { AppEnv } from "./context";

/**
 * Who may call an endpoint:
 * - none: anyone (versions, well-known, public keys)
 * - user: a Matrix access token (sets `user`, `device`)
 * - server: an X-Matrix signed federation request (sets `origin`)
 * - operator: a user whose account carries the operator flag (lawful-access console)
 * - authority: a signed lawful-access order (issue: lawful-access export)
 */
export type AuthKind = "none" | "user" | "server" | "operator" | "authority";

export const AUTH_KINDS: readonly AuthKind[] = ["none", "user", "server", "operator", "authority"];

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Token-bucket limit per caller (user, server or IP). `null` means deliberately unlimited. */
export interface RateLimit {
	/** Sustained requests per second. */
	perSecond: number;
	/** Requests allowed in a burst. */
	burst: number;
}

export interface Endpoint {
	method: HttpMethod;
	/** Hono path pattern, e.g. `/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId`. */
	path: string;
	auth: AuthKind;
	rateLimit: RateLimit | null;
	/** Largest request body readJsonBody accepts here; default DEFAULT_MAX_JSON_BYTES (1 MiB). */
	maxBodyBytes?: number;
	handler: Handler<AppEnv>;
}
