// Server administration: whois (`GET /v3/admin/whois/{userId}`) and account moderation, locking and
// suspending (`GET/PUT /v1/admin/lock/{userId}`, `/v1/admin/suspend/{userId}`). Admins are D1
// `accounts.is_admin`; the flags live in D1 `accounts` and http/account-status.ts enforces them.
// Spec: https://spec.matrix.org/latest/client-server-api/#server-administration and
// https://spec.matrix.org/latest/client-server-api/#account-moderation

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { parseUserId, type UserId } from "../../protocol/ids/user-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { getAccountStatus, type ModerationFlag, setModerationFlag } from "../d1/account-status";
import { forgetAccountStatus } from "../http/account-status";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";

const ADMIN_LIMIT: RateLimit = { perSecond: 2, burst: 20 };

async function isAdmin(c: Context<AppEnv>): Promise<boolean> {
	return (await getAccountStatus(c.env.DB, c.get("user")))?.is_admin === true;
}

function userParam(c: Context<AppEnv>): UserId {
	const userId = parseUserId(c.req.param("userId"));
	if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
	return userId;
}

/**
 * The moderation target, checked in the spec's order: the caller must be an admin before any account is
 * looked up ("to prevent user enumeration"), then the user must be ours (400), exist and be active (404),
 * and not be an administrator (403).
 */
async function moderationTarget(c: Context<AppEnv>): Promise<UserId> {
	if (!(await isAdmin(c))) throw new MatrixError("M_FORBIDDEN", "Requesting user is not a server administrator");
	const userId = userParam(c);
	if (serverNameOf(userId) !== c.get("config").serverName) throw new MatrixError("M_INVALID_PARAM", "User does not belong to the local server");
	const status = await getAccountStatus(c.env.DB, userId);
	if (status === null || status.deactivated) throw new MatrixError("M_NOT_FOUND", "User not found");
	// Also covers the caller themself, who is an admin: an admin cannot lock or suspend their own account.
	if (status.is_admin) throw new MatrixError("M_FORBIDDEN", "The target user is a server administrator");
	return userId;
}

function flagBody(flag: ModerationFlag): (body: JsonObject) => boolean | undefined {
	return (body) => {
		if (body[flag] === undefined) throw new MatrixError("M_MISSING_PARAM", `${flag} is required`);
		const value = body[flag];
		return typeof value === "boolean" ? value : undefined;
	};
}

function moderationEndpoints(flag: ModerationFlag, path: string): Endpoint[] {
	return [
		{
			method: "GET",
			path,
			auth: "user",
			rateLimit: ADMIN_LIMIT,
			handler: async (c) => {
				const userId = await moderationTarget(c);
				return c.json({ [flag]: (await getAccountStatus(c.env.DB, userId))?.[flag] === true });
			},
		},
		{
			method: "PUT",
			path,
			auth: "user",
			rateLimit: ADMIN_LIMIT,
			handler: async (c) => {
				const userId = await moderationTarget(c);
				const value = await readJsonBody(c, flagBody(flag));
				if (!(await setModerationFlag(c.env.DB, userId, flag, value))) throw new MatrixError("M_NOT_FOUND", "User not found");
				// Tokens stay valid (the spec asks not to log locked users out); this isolate sees the change at once.
				forgetAccountStatus(userId);
				return c.json({ [flag]: value });
			},
		},
	];
}

export const adminEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/admin/whois/:userId",
		auth: "user",
		rateLimit: ADMIN_LIMIT,
		handler: async (c) => {
			const userId = userParam(c);
			// "May be restricted to only be called by the user being looked up, or by a server admin."
			if (userId !== c.get("user") && !(await isAdmin(c))) throw new MatrixError("M_FORBIDDEN", "You may only look up yourself");
			const known = serverNameOf(userId) === c.get("config").serverName && (await getAccountStatus(c.env.DB, userId)) !== null;
			const info = known ? await c.env.USER.getByName(userId).adminWhois() : null;
			if (info === null) throw new MatrixError("M_NOT_FOUND", "User not found");
			return c.json(info);
		},
	},
	...moderationEndpoints("locked", "/_matrix/client/v1/admin/lock/:userId"),
	...moderationEndpoints("suspended", "/_matrix/client/v1/admin/suspend/:userId"),
];
