// GET/POST /login (m.login.password only) and POST /refresh: starting and renewing a session.
// Spec: https://spec.matrix.org/latest/client-server-api/#login
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3refresh
// An unknown user and a wrong password get the same 403 M_FORBIDDEN after the same work, so login never
// tells who has an account. Passwords are never logged.

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseUserId, requireUserId, type UserId } from "../../protocol/ids/user-id";
import { localpartOfIdentifier, parseUserIdentifier } from "../../protocol/uia/auth-dict";
import { parseAccessToken, hashToken } from "../user/access-token";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { checkLocalPassword, readPasswordField } from "./password-auth";

/** The session fields a login or registration asks for. */
export interface SessionRequest {
	device_id: string | null;
	initial_device_display_name: string | null;
	refresh_token: boolean;
}

/** Display names are shown to other users; a bound keeps a client from storing a novel there. */
const MAX_DISPLAY_NAME_LENGTH = 256;

/** Reads `device_id`, `initial_device_display_name` and `refresh_token`; wrong types → M_BAD_JSON. */
export function readSessionRequest(body: JsonObject): SessionRequest {
	const { device_id: deviceId, initial_device_display_name: name, refresh_token: refresh } = body;
	if (deviceId !== undefined && typeof deviceId !== "string") throw new MatrixError("M_BAD_JSON", "device_id must be a string");
	if (name !== undefined && typeof name !== "string") throw new MatrixError("M_BAD_JSON", "initial_device_display_name must be a string");
	if (refresh !== undefined && typeof refresh !== "boolean") throw new MatrixError("M_BAD_JSON", "refresh_token must be a boolean");
	if (typeof name === "string" && name.length > MAX_DISPLAY_NAME_LENGTH) throw new MatrixError("M_INVALID_PARAM", "Device display name is too long");
	return { device_id: deviceId ?? null, initial_device_display_name: name ?? null, refresh_token: refresh ?? false };
}

/** Opens a session for `userId` in its UserDO and answers as /login and /register do. */
export async function startSession(c: Context<AppEnv>, userId: UserId, request: SessionRequest): Promise<JsonObject> {
	const session = unwrapRpc(
		await c.env.USER.getByName(userId).login(userId, request.device_id, request.initial_device_display_name, request.refresh_token),
	);
	const body: JsonObject = { user_id: userId, access_token: session.access_token, device_id: session.device_id };
	if (session.refresh_token !== undefined && session.expires_in_ms !== undefined) {
		body.refresh_token = session.refresh_token;
		body.expires_in_ms = session.expires_in_ms;
	}
	return body;
}

async function login(c: Context<AppEnv>): Promise<Response> {
	const body = await readJsonBody(c);
	const { type } = body;
	if (type === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing type");
	if (typeof type !== "string") throw new MatrixError("M_BAD_JSON", "type must be a string");
	// We offer only m.login.password: nothing else may start a session (m.login.token is not offered).
	if (type !== "m.login.password") throw new MatrixError("M_UNKNOWN", "Unknown login type");
	const identifier = parseUserIdentifier(body);
	const password = readPasswordField(body);
	const request = readSessionRequest(body);
	const config = c.get("config");
	// Third-party identifiers name nobody here: we hold no 3PIDs, so they fail like a wrong password.
	const localpart = identifier.type === "m.id.user" ? localpartOfIdentifier(identifier.user, config.serverName) : undefined;
	const account = await checkLocalPassword(c.env.DB, config.serverName, localpart, password);
	if (account === null) throw new MatrixError("M_FORBIDDEN", "Invalid username or password");
	if (account.deactivated) throw new MatrixError("M_USER_DEACTIVATED", "This account has been deactivated");
	const response = await startSession(c, requireUserId(account.user_id), request);
	// home_server is deprecated and omitted; well_known tells the client where to connect from now on.
	return c.json({ ...response, well_known: { "m.homeserver": { base_url: config.publicBaseUrl } } });
}

async function refresh(c: Context<AppEnv>): Promise<Response> {
	const body = await readJsonBody(c);
	const token = body.refresh_token;
	if (token === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing refresh_token");
	if (typeof token !== "string") throw new MatrixError("M_BAD_JSON", "refresh_token must be a string");
	const parsed = parseAccessToken(token);
	const userId = parsed && parseUserId(`@${parsed.localpart}:${c.get("config").serverName}`);
	// "401: The provided token was unknown, or has already been used."
	if (userId === undefined) throw new MatrixError("M_UNKNOWN_TOKEN", "Unknown refresh token");
	const session = unwrapRpc(await c.env.USER.getByName(userId).refreshSession(userId, await hashToken(token)));
	return c.json({ access_token: session.access_token, refresh_token: session.refresh_token, expires_in_ms: session.expires_in_ms });
}

/** Logins cost a PBKDF2 hash each: limited per IP, generously enough for local use and tests. */
const LOGIN_LIMIT = { perSecond: 10, burst: 100 };

export const loginEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/login",
		auth: "none",
		rateLimit: { perSecond: 10, burst: 50 },
		handler: (c) => c.json({ flows: [{ type: "m.login.password" }] }),
	},
	{ method: "POST", path: "/_matrix/client/v3/login", auth: "none", rateLimit: LOGIN_LIMIT, handler: login },
	{ method: "POST", path: "/_matrix/client/v3/refresh", auth: "none", rateLimit: { perSecond: 5, burst: 50 }, handler: refresh },
];
