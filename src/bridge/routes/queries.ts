// Simple federation queries about our own users and aliases: GET /query/profile, GET /query/directory and
// GET /openid/userinfo. Read from D1 directly (bridge code may not import the worker's D1 helpers).
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1queryprofile,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1querydirectory,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1openiduserinfo

import type { Context } from "hono";
import { encodeBase64 } from "../../protocol/json/base64";
import { MatrixError } from "../../protocol/errors";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";

async function profileHandler(c: Context<AppEnv>): Promise<Response> {
	const userId = c.req.query("user_id");
	const field = c.req.query("field");
	if (userId === undefined) throw new MatrixError("M_MISSING_PARAM", "user_id is required");
	if (serverNameOf(userId) !== c.get("config").serverName) throw new MatrixError("M_INVALID_PARAM", "Not a user of this server");
	const account = await c.env.DB.prepare("SELECT deactivated FROM accounts WHERE user_id = ?1").bind(userId).first<{ deactivated: number }>();
	if (account === null) throw new MatrixError("M_NOT_FOUND", "Unknown user", { status: 404 });
	const { results } = await c.env.DB.prepare("SELECT field, value_json FROM profile_fields WHERE user_id = ?1 ORDER BY field")
		.bind(userId)
		.all<{ field: string; value_json: string }>();
	const profile: Record<string, unknown> = Object.fromEntries(results.map((r) => [r.field, JSON.parse(r.value_json) as unknown]));
	// "field: the field to query; if not specified, the server returns the full profile" (displayname, avatar_url).
	if (field === undefined) return c.json(profile);
	if (!Object.hasOwn(profile, field)) throw new MatrixError("M_NOT_FOUND", "The user has no such profile field", { status: 404 });
	return c.json({ [field]: profile[field] });
}

async function directoryHandler(c: Context<AppEnv>): Promise<Response> {
	const alias = c.req.query("room_alias");
	if (alias === undefined) throw new MatrixError("M_MISSING_PARAM", "room_alias is required");
	const row = await c.env.DB.prepare("SELECT room_id FROM room_aliases WHERE alias = ?1").bind(alias).first<{ room_id: string }>();
	if (row === null) throw new MatrixError("M_NOT_FOUND", "Room alias not found", { status: 404 });
	// "servers: a list of server names that are likely to hold the given room"; we are, for our own alias.
	return c.json({ room_id: row.room_id, servers: [c.get("config").serverName] });
}

async function userinfoHandler(c: Context<AppEnv>): Promise<Response> {
	const token = c.req.query("access_token");
	if (token === undefined || token === "") throw new MatrixError("M_MISSING_PARAM", "access_token is required");
	// Stored as SHA-256 (unpadded Base64), as worker/d1/openid.ts writes it.
	const hash = encodeBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
	const row = await c.env.DB.prepare("SELECT user_id FROM openid_tokens WHERE token_hash = ?1 AND expires_ts > ?2")
		.bind(hash, Date.now())
		.first<{ user_id: string }>();
	if (row === null) throw new MatrixError("M_UNKNOWN_TOKEN", "Access token unknown or expired", { status: 401 });
	return c.json({ sub: row.user_id });
}

export const queryEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_matrix/federation/v1/query/profile", auth: "server", rateLimit: null, handler: profileHandler },
	{ method: "GET", path: "/_matrix/federation/v1/query/directory", auth: "server", rateLimit: null, handler: directoryHandler },
	{ method: "GET", path: "/_matrix/federation/v1/openid/userinfo", auth: "server", rateLimit: null, handler: userinfoHandler },
];
