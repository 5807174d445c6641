/** @jsxImportSource hono/jsx */
// The operator console at /_lawful/console: server-rendered pages and form POSTs over the same decision
// code as the admin API. Auth is the console's own cookie session (browsers cannot send a bearer token
// with a form), checked here on every route, with CSRF secrets on every POST.
// Design: /work/shared/LAWFUL_ACCESS.md#api ("a console page at /_lawful/console for the same work").

import type { Context } from "hono";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import { productionProgress } from "../job/run";
import { approve, narrow, reject } from "../lifecycle/decisions";
import { operatorQueue, type QueueItem } from "../lifecycle/queue";
import { LaError } from "../order/la-errors";
import { LoginPage, QueuePage } from "./pages";
import { csrfOk, currentSession, signIn, signOut } from "./session";

const LIMIT = { perSecond: 2, burst: 30 };
const NO_STORE = { "cache-control": "no-store", "x-frame-options": "DENY", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" };

function page(c: Context<AppEnv>, body: Parameters<Context<AppEnv>["html"]>[0], status: 200 | 400 | 401 | 403 = 200): Promise<Response> | Response {
	for (const [k, v] of Object.entries(NO_STORE)) c.header(k, v);
	return c.html(body, status);
}

async function queuePage(c: Context<AppEnv>, error?: string): Promise<Response> {
	const session = await currentSession(c);
	if (session === null) return page(c, <LoginPage />);
	const items: QueueItem[] = await operatorQueue(c.env.DB);
	const progress: Record<string, string> = {};
	for (const item of items) {
		const p = await productionProgress(c.env, item.orderId);
		if (p !== null) progress[item.orderId] = `${p.state} ${p.unitsDone}/${p.unitsTotal} (${p.records} records)`;
	}
	return page(c, <QueuePage operator={session.user_id} csrf={session.csrf} items={items} progress={progress} {...(error === undefined ? {} : { error })} />, error === undefined ? 200 : 400);
}

async function login(c: Context<AppEnv>): Promise<Response> {
	const form = await c.req.parseBody();
	const ok = typeof form.username === "string" && typeof form.password === "string" && (await signIn(c, form.username, form.password));
	if (!ok) return page(c, <LoginPage error="Unknown operator or wrong password." />, 401);
	return c.redirect("/_lawful/console", 303);
}

async function logout(c: Context<AppEnv>): Promise<Response> {
	const session = await currentSession(c);
	const form = await c.req.parseBody();
	if (session !== null && csrfOk(c, session, form.csrf)) await signOut(c);
	return c.redirect("/_lawful/console", 303);
}

async function decide(c: Context<AppEnv>): Promise<Response> {
	const session = await currentSession(c);
	if (session === null) return page(c, <LoginPage error="Please sign in again." />, 401);
	const form = await c.req.parseBody({ all: true });
	if (!csrfOk(c, session, form.csrf)) return page(c, <LoginPage error="The form expired; please sign in again." />, 403);
	const id = c.req.param("id") ?? "";
	const now = Date.now();
	try {
		switch (c.req.param("action")) {
			case "approve": {
				const contact = typeof form.callback_contact === "string" ? form.callback_contact : "";
				const note = typeof form.callback_note === "string" ? form.callback_note : "";
				await approve(c.env, id, session.user_id, form.reason, contact === "" && note === "" ? null : { contact, note }, now);
				break;
			}
			case "reject":
				await reject(c.env, id, session.user_id, form.reason, now);
				break;
			case "narrow": {
				const keep = ([] as unknown[]).concat(form.keep ?? []).filter((k): k is string => typeof k === "string");
				await narrow(c.env, id, session.user_id, form.reason, { tasks: keep.map((ldid) => ({ ldid })) }, now);
				break;
			}
			default:
				throw new LaError("LA_NOT_FOUND", "unknown action");
		}
	} catch (e) {
		if (e instanceof LaError) return queuePage(c, `${e.code}: ${e.detail}`);
		throw e;
	}
	return c.redirect("/_lawful/console", 303);
}

export const consoleEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_lawful/console", auth: "none", rateLimit: LIMIT, handler: (c) => queuePage(c) },
	{ method: "POST", path: "/_lawful/console/login", auth: "none", rateLimit: { perSecond: 0.2, burst: 10 }, handler: login },
	{ method: "POST", path: "/_lawful/console/logout", auth: "none", rateLimit: LIMIT, handler: logout },
	{ method: "POST", path: "/_lawful/console/orders/:id/:action", auth: "none", rateLimit: LIMIT, handler: decide },
];
