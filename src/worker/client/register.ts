// POST /register with UIA (m.login.dummy when registration is open, m.login.registration_token always),
// GET /register/available, and the registration-token validity check. Guests are refused.
// Spec: https://spec.matrix.org/latest/client-server-api/#account-registration
// Spec: https://spec.matrix.org/latest/client-server-api/#token-authenticated-registration

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import type { ServerName } from "../../protocol/ids/server-name";
import { localpartOf, requireNewUserId, type UserId } from "../../protocol/ids/user-id";
import { parseAuthDict } from "../../protocol/uia/auth-dict";
import type { UiaFlow } from "../../protocol/uia/flows";
import { hashPassword, MAX_PASSWORD_LENGTH } from "../../protocol/uia/password-hash";
import { isRegistrationTokenSyntax, isRegistrationTokenUsable } from "../../protocol/uia/registration-token";
import { createAccount, isLocalpartTaken } from "../d1/accounts";
import {
	completeRegistrationTokenUse,
	getRegistrationToken,
	releaseRegistrationTokenUse,
	reserveRegistrationToken,
} from "../d1/registration-tokens";
import { setSessionRegistrationToken } from "../d1/uia-sessions";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { readSessionRequest, startSession } from "./login";
import { requireUserInteractiveAuth, type StageVerifier } from "./uia";

const TOKEN_STAGE = "m.login.registration_token";

/** Open registration needs no proof; closed registration needs a token an admin handed out. */
function registrationFlows(open: boolean): UiaFlow[] {
	return open ? [["m.login.dummy"], [TOKEN_STAGE]] : [[TOKEN_STAGE]];
}

/** The token stage: a well-formed, usable token, of which this session then holds one pending use. */
const checkRegistrationToken: StageVerifier = async (c, auth, session) => {
	const token = auth.fields.token;
	if (token === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing token");
	if (typeof token !== "string") throw new MatrixError("M_BAD_JSON", "token must be a string");
	if (!isRegistrationTokenSyntax(token) || !(await reserveRegistrationToken(c.env.DB, token, Date.now()))) {
		return { ok: false, errcode: "M_FORBIDDEN", error: "Invalid registration token" };
	}
	await setSessionRegistrationToken(c.env.DB, session.session_id, token);
	return { ok: true };
};

/** Lower-cased (as Synapse does) and checked against the current grammar: M_INVALID_USERNAME otherwise. */
function newUserId(username: string, serverName: string): UserId {
	return requireNewUserId(username.toLowerCase(), serverName as ServerName);
}

const GENERATED_LOCALPART_LENGTH = 12;

/** "If omitted, the homeserver MUST generate a Matrix ID local part." */
async function generatedUserId(db: D1Database, serverName: string): Promise<UserId> {
	for (;;) {
		const bytes = crypto.getRandomValues(new Uint8Array(GENERATED_LOCALPART_LENGTH));
		const localpart = [...bytes].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");
		if (!(await isLocalpartTaken(db, localpart))) return newUserId(localpart, serverName);
	}
}

interface RegisterBody {
	username: string | undefined;
	password: string | undefined;
	inhibit_login: boolean;
}

function readRegisterBody(body: JsonObject): RegisterBody {
	const { username, password, inhibit_login: inhibit } = body;
	if (username !== undefined && typeof username !== "string") throw new MatrixError("M_BAD_JSON", "username must be a string");
	if (password !== undefined && typeof password !== "string") throw new MatrixError("M_BAD_JSON", "password must be a string");
	if (inhibit !== undefined && typeof inhibit !== "boolean") throw new MatrixError("M_BAD_JSON", "inhibit_login must be a boolean");
	if (typeof password === "string" && password.length > MAX_PASSWORD_LENGTH) throw new MatrixError("M_INVALID_PARAM", "Password is too long");
	return { username, password, inhibit_login: inhibit ?? false };
}

async function register(c: Context<AppEnv>): Promise<Response> {
	const kind = c.req.query("kind") ?? "user";
	if (kind === "guest") throw new MatrixError("M_GUEST_ACCESS_FORBIDDEN", "Guest access is disabled");
	if (kind !== "user") throw new MatrixError("M_INVALID_PARAM", "kind must be user or guest");
	const config = c.get("config");
	const db = c.env.DB;
	const body = await readJsonBody(c);
	const fields = readRegisterBody(body);
	const sessionRequest = readSessionRequest(body);
	// The username is checked before UIA, so a client learns of a taken name before proving anything.
	const requested = fields.username === undefined ? undefined : newUserId(fields.username, config.serverName);
	if (requested !== undefined && (await isLocalpartTaken(db, fields.username!.toLowerCase()))) {
		throw new MatrixError("M_USER_IN_USE", "User ID already taken");
	}
	// A client probing for flows sends no auth; one attempting a stage must also say what password it wants.
	if (parseAuthDict(body.auth) !== undefined && fields.password === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing password");

	const session = await requireUserInteractiveAuth(c, {
		userId: null,
		flows: registrationFlows(config.enableRegistration),
		action: "POST /register",
		body,
		stages: { [TOKEN_STAGE]: checkRegistrationToken },
	});
	const token = session.registration_token;
	let created = false;
	try {
		if (fields.password === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing password");
		const userId = requested ?? (await generatedUserId(db, config.serverName));
		const passwordHash = await hashPassword(fields.password, crypto.getRandomValues(new Uint8Array(16)));
		created = await createAccount(db, { user_id: userId, localpart: localpartOf(userId), password_hash: passwordHash, created_ts: Date.now() });
		if (!created) throw new MatrixError("M_USER_IN_USE", "User ID already taken");
		if (token !== null) await completeRegistrationTokenUse(db, token);
		if (fields.inhibit_login) return c.json({ user_id: userId });
		return c.json(await startSession(c, userId, sessionRequest));
	} finally {
		// A token use held by a registration that did not happen goes back to the token.
		if (token !== null && !created) await releaseRegistrationTokenUse(db, token);
	}
}

async function available(c: Context<AppEnv>): Promise<Response> {
	const username = c.req.query("username");
	if (username === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing username");
	newUserId(username, c.get("config").serverName);
	if (await isLocalpartTaken(c.env.DB, username.toLowerCase())) throw new MatrixError("M_USER_IN_USE", "User ID already taken");
	return c.json({ available: true });
}

async function tokenValidity(c: Context<AppEnv>): Promise<Response> {
	const token = c.req.query("token");
	if (token === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing token");
	if (!isRegistrationTokenSyntax(token)) throw new MatrixError("M_INVALID_PARAM", "Invalid registration token");
	const row = await getRegistrationToken(c.env.DB, token);
	return c.json({ valid: row !== null && isRegistrationTokenUsable(row, Date.now()) });
}

export const registerEndpoints: Endpoint[] = [
	{ method: "POST", path: "/_matrix/client/v3/register", auth: "none", rateLimit: { perSecond: 10, burst: 100 }, handler: register },
	{ method: "GET", path: "/_matrix/client/v3/register/available", auth: "none", rateLimit: { perSecond: 5, burst: 50 }, handler: available },
	{
		method: "GET",
		path: "/_matrix/client/v1/register/m.login.registration_token/validity",
		auth: "none",
		// Spec: rate-limited, so tokens cannot be guessed by asking.
		rateLimit: { perSecond: 1, burst: 20 },
		handler: tokenValidity,
	},
];
