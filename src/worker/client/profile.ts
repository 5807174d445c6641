// Profiles of local users: read the whole profile or one field, set and delete fields (displayname,
// avatar_url, m.tz and namespaced custom keys). Displayname and avatar changes reach the user's rooms.
// Spec: https://spec.matrix.org/latest/client-server-api/#profiles

import type { Context } from "hono";
import type { JsonValue } from "../../protocol/events/pdu";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseUserId, type UserId } from "../../protocol/ids/user-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { checkProfileKey, checkProfileSize, MEMBER_EVENT_FIELDS, profileValueFromBody } from "../../protocol/profile/profile-field";
import { getAccount } from "../d1/accounts";
import { deleteProfileField, getProfile, setProfileField } from "../d1/profiles";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { propagateProfile } from "./profile-propagation";

const PROFILE = "/_matrix/client/v3/profile/:userId";
const READ_LIMIT: RateLimit = { perSecond: 10, burst: 50 };
/** Each displayname change writes one event per joined room, so changes are rate-limited tightly. */
const WRITE_LIMIT: RateLimit = { perSecond: 1, burst: 30 };

function pathUser(c: Context<AppEnv>): UserId {
	const userId = parseUserId(c.req.param("userId"));
	if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
	return userId;
}

/** The profile of a local account, or of another server's user as their server tells it (federation query/profile). */
async function readProfile(c: Context<AppEnv>, userId: UserId, field?: string): Promise<Record<string, JsonValue>> {
	if (serverNameOf(userId) !== c.get("config").serverName) {
		return unwrapRpc(await c.get("queryFederation").queryProfile(userId, field));
	}
	const account = await getAccount(c.env.DB, userId);
	if (account === null) throw new MatrixError("M_NOT_FOUND", "Profile not found");
	// A deactivated account keeps its ID but shows no profile.
	return account.deactivated ? {} : getProfile(c.env.DB, userId);
}

/** Only the user may change their own profile. */
function ownUser(c: Context<AppEnv>): UserId {
	const userId = pathUser(c);
	if (userId !== c.get("user")) throw new MatrixError("M_FORBIDDEN", "You may only change your own profile");
	return userId;
}

function keyParam(c: Context<AppEnv>): string {
	const key = c.req.param("keyName") ?? "";
	checkProfileKey(key);
	return key;
}

export const profileEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: PROFILE,
		auth: "none",
		rateLimit: READ_LIMIT,
		handler: async (c) => c.json(await readProfile(c, pathUser(c))),
	},
	{
		method: "GET",
		path: `${PROFILE}/:keyName`,
		auth: "none",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const userId = pathUser(c);
			const key = keyParam(c);
			const profile = await readProfile(c, userId, key);
			if (!(key in profile)) throw new MatrixError("M_NOT_FOUND", "Profile field not found");
			return c.json({ [key]: profile[key] });
		},
	},
	{
		method: "PUT",
		path: `${PROFILE}/:keyName`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const userId = ownUser(c);
			const key = keyParam(c);
			const value = profileValueFromBody(key, await readJsonBody(c));
			const profile = await getProfile(c.env.DB, userId);
			checkProfileSize(profile, key, value);
			const now = Date.now();
			await setProfileField(c.env.DB, userId, key, value, now);
			if (MEMBER_EVENT_FIELDS.includes(key)) await propagateProfile(c.env, userId, { ...profile, [key]: value }, now);
			return c.json({});
		},
	},
	{
		method: "DELETE",
		path: `${PROFILE}/:keyName`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const userId = ownUser(c);
			const key = keyParam(c);
			const profile = await getProfile(c.env.DB, userId);
			await deleteProfileField(c.env.DB, userId, key);
			if (MEMBER_EVENT_FIELDS.includes(key) && key in profile) {
				const { [key]: _removed, ...rest } = profile;
				await propagateProfile(c.env, userId, rest, Date.now());
			}
			return c.json({});
		},
	},
];
