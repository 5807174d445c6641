// Account moderation on every user request, run right after user auth (authenticateUser): a locked account
// gets 401 M_USER_LOCKED with soft_logout true on everything but logout; a suspended account gets 403
// M_USER_SUSPENDED on the writes listed in SUSPENSION_BLOCKED. Flags live in D1 `accounts` (client/admin.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#account-locking and #account-suspension

import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { MatrixError } from "../../protocol/errors";
import { getAccountStatus } from "../d1/account-status";
import type { AppEnv } from "./context";

const V3 = "/_matrix/client/v3";

/** "Servers MUST return ... M_USER_LOCKED ... on all but the following: POST /logout, POST /logout/all." */
const LOCK_EXEMPT = new Set([`POST ${V3}/logout`, `POST ${V3}/logout/all`]);

/**
 * The spec's recommended forbidden actions while suspended: joining or knocking, accepting (= joining) or
 * sending invites, sending messages and state, creating or upgrading rooms, changing profile data. Leaving,
 * redacting (own events), sync, keys, backup, logout and deactivation stay allowed, as the spec asks.
 * Redacting other users' events would need the target's sender; that check is not made here.
 */
const SUSPENSION_BLOCKED = new Set([
	`POST ${V3}/join/:roomIdOrAlias`,
	`POST ${V3}/rooms/:roomId/join`,
	`POST ${V3}/knock/:roomIdOrAlias`,
	`POST ${V3}/rooms/:roomId/invite`,
	`PUT ${V3}/rooms/:roomId/state/:eventType/:stateKey`,
	`PUT ${V3}/rooms/:roomId/state/:eventType/`,
	`PUT ${V3}/rooms/:roomId/state/:eventType`,
	`POST ${V3}/createRoom`,
	`POST ${V3}/rooms/:roomId/upgrade`,
	`PUT ${V3}/profile/:userId/:keyName`,
	`DELETE ${V3}/profile/:userId/:keyName`,
]);
/** `/send`: "a user may be allowed to send m.room.redaction events but not m.room.message events". */
const SEND = `PUT ${V3}/rooms/:roomId/send/:eventType/:txnId`;

/**
 * Flags are cached per isolate for a few seconds: this runs on every request and a D1 read each time would
 * cost the hot paths (send, sync) a round trip. A lock set here is seen here at once (forgetAccountStatus);
 * other isolates see it within CACHE_MS.
 */
const CACHE_MS = 5_000;
const MAX_CACHED = 10_000;
const cache = new Map<string, { locked: boolean; suspended: boolean; until: number }>();

export function forgetAccountStatus(userId: string): void {
	cache.delete(userId);
}

/**
 * The account's moderation flags, or null when no such account exists (never cached: an account made a
 * moment ago must work at once). authenticateUser asks first, so a token naming an unknown user never
 * wakes (and so never creates) a UserDO; the flags it caches serve enforceAccountStatus right after.
 */
export async function accountStatusOf(db: D1Database, userId: string, now: number): Promise<{ locked: boolean; suspended: boolean } | null> {
	const hit = cache.get(userId);
	if (hit !== undefined && hit.until > now) return hit;
	const status = await getAccountStatus(db, userId);
	if (status === null) return null;
	const entry = { locked: status.locked, suspended: status.suspended, until: now + CACHE_MS };
	if (cache.size >= MAX_CACHED) cache.clear();
	cache.set(userId, entry);
	return entry;
}

/** The endpoint's declared path, r0 aliases folded onto v3 (they share the v3 route's rules). */
function routeKey(method: string, path: string): string {
	return `${method} ${path.replace(/^\/_matrix\/client\/r0\//, `${V3}/`)}`;
}

export const enforceAccountStatus: MiddlewareHandler<AppEnv> = async (c, next) => {
	// An account that vanished between authentication and here (it never does: accounts are not deleted) has no flags.
	const status = await accountStatusOf(c.env.DB, c.get("user"), Date.now());
	if (status !== null && (status.locked || status.suspended)) {
		// The last matched route is the endpoint itself (app-wide middleware such as config matches first).
		const key = routeKey(c.req.method, routePath(c, -1));
		if (status.locked && !LOCK_EXEMPT.has(key)) {
			throw new MatrixError("M_USER_LOCKED", "This account has been locked", { extra: { soft_logout: true } });
		}
		const blocked = SUSPENSION_BLOCKED.has(key) || (key === SEND && c.req.param("eventType") !== "m.room.redaction");
		if (status.suspended && blocked) throw new MatrixError("M_USER_SUSPENDED", "You cannot perform this action while suspended");
	}
	await next();
};
