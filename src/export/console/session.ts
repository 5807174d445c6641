// Console sign-in and session checks: an operator's Matrix username and password, a short session in an
// HttpOnly, SameSite=Strict cookie (the token never reaches page script), and a per-session CSRF secret on
// every form. Design: /work/shared/LAWFUL_ACCESS.md#api; issue 5 "Operators ... log in".

import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { encodeBase64Url } from "../../protocol/json/base64";
import { verifyPassword } from "../../protocol/uia/password-hash";
import type { AppEnv } from "../../worker/http/context";
import { sha256Hex } from "../audit/entry";
import { type ConsoleSession, deleteSession, getSession, insertSession, operatorPasswordHash } from "../store/console-sessions";

export const COOKIE = "la_console";
const SESSION_MS = 8 * 3600_000;
const PATH = "/_lawful/console";

const random = () => encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));

export async function currentSession(c: Context<AppEnv>): Promise<ConsoleSession | null> {
	const token = getCookie(c, COOKIE);
	if (token === undefined || token.length > 100) return null;
	return getSession(c.env.DB, await sha256Hex(token), Date.now());
}

/** Signs in; false for a wrong password or an account that is not an active operator (same answer for both). */
export async function signIn(c: Context<AppEnv>, username: string, password: string): Promise<boolean> {
	const serverName = c.get("config").serverName;
	const userId = username.startsWith("@") ? username : `@${username.toLowerCase()}:${serverName}`;
	const stored = await operatorPasswordHash(c.env.DB, userId);
	// A dummy verification keeps the timing of "no such operator" close to "wrong password".
	const ok = await verifyPassword(password, stored ?? "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	if (!ok || stored === null) return false;
	const token = random();
	const now = Date.now();
	await insertSession(c.env.DB, await sha256Hex(token), userId, random(), now, now + SESSION_MS);
	setCookie(c, COOKIE, token, { path: PATH, httpOnly: true, sameSite: "Strict", secure: new URL(c.req.url).protocol === "https:", maxAge: SESSION_MS / 1000 });
	return true;
}

export async function signOut(c: Context<AppEnv>): Promise<void> {
	const token = getCookie(c, COOKIE);
	if (token !== undefined) await deleteSession(c.env.DB, await sha256Hex(token));
	deleteCookie(c, COOKIE, { path: PATH });
}

/** A form POST must carry the session's CSRF secret and, when the browser says where it came from, our origin. */
export function csrfOk(c: Context<AppEnv>, session: ConsoleSession, sent: unknown): boolean {
	const origin = c.req.header("Origin");
	if (origin !== undefined && origin !== "null" && origin !== new URL(c.req.url).origin) return false;
	if (typeof sent !== "string" || sent.length !== session.csrf.length) return false;
	let diff = 0;
	for (let i = 0; i < sent.length; i++) diff |= sent.charCodeAt(i) ^ session.csrf.charCodeAt(i);
	return diff === 0;
}
