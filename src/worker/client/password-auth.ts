// Checking a local user's password: shared by POST /login and the m.login.password UIA stage.
// Spec: https://spec.matrix.org/latest/client-server-api/#password-based
// Unknown users and wrong passwords look alike (same answer, same work), so neither reveals who has an account.

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { localpartOf, type UserId } from "../../protocol/ids/user-id";
import { type AuthDict, localpartOfIdentifier, parseUserIdentifier } from "../../protocol/uia/auth-dict";
import { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from "../../protocol/uia/password-hash";
import { type Account, getAccount } from "../d1/accounts";
import type { AppEnv } from "../http/context";
import type { StageResult } from "./uia";

/** A hash of nothing anyone knows, verified when the user is unknown so the reply takes as long as a real check. */
let decoyHash: Promise<string> | undefined;
function decoy(): Promise<string> {
	decoyHash ??= hashPassword(crypto.randomUUID(), crypto.getRandomValues(new Uint8Array(16)));
	return decoyHash;
}

/** The `password` field: missing → M_MISSING_PARAM, not a string → M_BAD_JSON, absurdly long → M_FORBIDDEN (no hashing). */
export function readPasswordField(fields: Record<string, unknown>, name = "password"): string {
	const password = fields[name];
	if (password === undefined) throw new MatrixError("M_MISSING_PARAM", `Missing ${name}`);
	if (typeof password !== "string") throw new MatrixError("M_BAD_JSON", `${name} must be a string`);
	return password;
}

/**
 * The account `localpart` names if `password` is its password, else null. Deactivated accounts are returned
 * too (the caller decides: login answers M_USER_DEACTIVATED only after the password matched).
 */
export async function checkLocalPassword(db: D1Database, serverName: string, localpart: string | undefined, password: string): Promise<Account | null> {
	const account = localpart === undefined ? null : await getAccount(db, `@${localpart}:${serverName}`);
	const stored = account?.password_hash ?? null;
	if (stored === null || password.length > MAX_PASSWORD_LENGTH) {
		await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), await decoy());
		return null;
	}
	return (await verifyPassword(password, stored)) ? account : null;
}

/** The m.login.password stage: the identifier must name the authenticated user, and the password must match. */
export async function checkPasswordStage(c: Context<AppEnv>, auth: AuthDict, session: { user_id: string | null }): Promise<StageResult> {
	const userId = session.user_id as UserId | null;
	if (userId === null) return { ok: false, errcode: "M_FORBIDDEN", error: "Password authentication needs an account" };
	const identifier = parseUserIdentifier(auth.fields);
	const password = readPasswordField(auth.fields);
	const serverName = c.get("config").serverName;
	const localpart = identifier.type === "m.id.user" ? localpartOfIdentifier(identifier.user, serverName) : undefined;
	// Proving another account's password must not authorise this user's request.
	const named = localpart === localpartOf(userId) ? localpart : undefined;
	const account = await checkLocalPassword(c.env.DB, serverName, named, password);
	if (account === null || account.deactivated) return { ok: false, errcode: "M_FORBIDDEN", error: "Invalid username or password" };
	return { ok: true };
}
