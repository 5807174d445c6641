// User authentication: turns an access token into `user` and `device` on the context.
// Spec: https://spec.matrix.org/latest/client-server-api/#using-access-tokens
// The token names its owner (access-token.ts), so this goes straight to that user's UserDO (once D1
// confirms the account exists), which holds only token hashes. Tokens are never logged, and a malformed one never reaches storage.
// A check stands for TOKEN_CACHE_MS in this isolate (user/token-cache.ts says how revocation empties it).

import type { MiddlewareHandler } from "hono";
import { stubByName } from "../../platform/durable-object-ids";
import { MatrixError } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import { hashToken, parseAccessToken } from "../user/access-token";
import { tokenCache } from "../user/token-cache";
import { accountStatusOf } from "./account-status";
import type { AppEnv } from "./context";

/** Session records keep at most this much of a client-chosen header. */
const MAX_USER_AGENT = 512;
const MAX_IP = 64;

/**
 * Spec: an unknown or expired token is M_UNKNOWN_TOKEN. `soft_logout` is true only for an expired
 * refreshable token (the client may refresh); anything else means the session is gone.
 */
function unknownToken(message: string, softLogout = false): MatrixError {
	return new MatrixError("M_UNKNOWN_TOKEN", message, { extra: { soft_logout: softLogout } });
}

/**
 * The token from `Authorization: Bearer` or the deprecated `access_token` query parameter (the spec
 * still requires servers to accept it). Giving both is refused rather than guessing which one counts.
 */
function extractToken(authorization: string | undefined, queryToken: string | undefined): string {
	if (authorization !== undefined) {
		if (queryToken !== undefined) {
			throw new MatrixError("M_MISSING_TOKEN", "Mixing Authorization header and access_token query parameter");
		}
		const match = /^Bearer +(\S+) *$/i.exec(authorization);
		if (match === null) throw new MatrixError("M_MISSING_TOKEN", "Invalid Authorization header");
		return match[1]!;
	}
	if (queryToken === undefined || queryToken === "") throw new MatrixError("M_MISSING_TOKEN", "Missing access token");
	return queryToken;
}

export const authenticateUser: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = extractToken(c.req.header("Authorization"), c.req.query("access_token"));
	const parsed = parseAccessToken(token);
	// A localpart that cannot form a valid user ID (a ':' in it, too long) cannot be ours either.
	const userId = parsed && parseUserId(`@${parsed.localpart}:${c.get("config").serverName}`);
	if (userId === undefined) throw unknownToken("Unknown access token");
	const ip = (c.req.header("CF-Connecting-IP") ?? "").slice(0, MAX_IP);
	const userAgent = (c.req.header("User-Agent") ?? "").slice(0, MAX_USER_AGENT);
	// Asked before the UserDO: a well-formed token naming a user who does not exist must not wake (and so
	// create) a Durable Object. The flags are cached per isolate, so this is usually free.
	if ((await accountStatusOf(c.env.DB, userId, Date.now())) === null) throw unknownToken("Unknown access token");
	const tokenHash = await hashToken(token);
	const now = Date.now();
	let device = tokenCache.lookup(tokenHash, ip, userAgent, now);
	if (device === undefined) {
		const generation = tokenCache.generation;
		const result = await stubByName(c.env.USER, userId).authenticate(tokenHash, ip, userAgent, now);
		if (!result.ok) {
			if (result.errcode === "M_UNKNOWN_TOKEN") throw unknownToken(result.error, result.extra?.soft_logout === true);
			throw new MatrixError(result.errcode, result.error, result.status === undefined ? {} : { status: result.status });
		}
		device = result.value;
		const { tokenCacheMs } = c.get("config");
		const until = Math.min(now + tokenCacheMs, result.value.expires_ts ?? Number.POSITIVE_INFINITY);
		tokenCache.remember(tokenHash, device, ip, userAgent, until, generation, Date.now());
	}
	c.set("user", device.user_id);
	c.set("device", device.device_id);
	await next();
};
