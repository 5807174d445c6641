// Operator API: the queue and approve / reject / narrow with a reason (auth "operator": a Matrix access
// token of an account with the operator flag). LaErrors render as `{"code":"LA_…"}` (order/la-handler). Design: /work/shared/LAWFUL_ACCESS.md#api

import type { Context } from "hono";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import { LaError } from "../order/la-errors";
import { laHandler } from "../order/la-handler";
import { approve, type CallbackVerification, narrow, reject } from "./decisions";
import { operatorQueue } from "./queue";
import { parseNarrowTasks, readLaJson } from "./request-body";

const LIMIT = { perSecond: 5, burst: 50 };

function callbackOf(body: Record<string, unknown>): CallbackVerification | null {
	const cb = body.callback;
	if (cb === undefined || cb === null) return null;
	if (typeof cb !== "object") throw new LaError("LA_BAD_REQUEST", "callback must be an object", "/callback");
	const { contact, note } = cb as Record<string, unknown>;
	if (typeof contact !== "string" || typeof note !== "string") throw new LaError("LA_BAD_REQUEST", "callback needs contact and note", "/callback");
	return { contact, note };
}

async function approveRoute(c: Context<AppEnv>): Promise<Response> {
	const body = await readLaJson(c);
	return c.json(await approve(c.env, c.req.param("id") ?? "", c.get("user"), body.reason, callbackOf(body), Date.now()));
}

async function rejectRoute(c: Context<AppEnv>): Promise<Response> {
	const body = await readLaJson(c);
	return c.json({ status: await reject(c.env, c.req.param("id") ?? "", c.get("user"), body.reason, Date.now()) });
}

async function narrowRoute(c: Context<AppEnv>): Promise<Response> {
	const body = await readLaJson(c);
	const ldids = await narrow(c.env, c.req.param("id") ?? "", c.get("user"), body.reason, { tasks: parseNarrowTasks(body) }, Date.now());
	return c.json({ ldids });
}

export const operatorEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_lawful/v1/admin/queue", auth: "operator", rateLimit: LIMIT, handler: laHandler(async (c) => c.json({ orders: await operatorQueue(c.env.DB) })) },
	{ method: "POST", path: "/_lawful/v1/admin/orders/:id/approve", auth: "operator", rateLimit: LIMIT, handler: laHandler(approveRoute) },
	{ method: "POST", path: "/_lawful/v1/admin/orders/:id/reject", auth: "operator", rateLimit: LIMIT, handler: laHandler(rejectRoute) },
	{ method: "POST", path: "/_lawful/v1/admin/orders/:id/narrow", auth: "operator", rateLimit: LIMIT, handler: laHandler(narrowRoute) },
];
