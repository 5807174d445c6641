// Shared helpers of the accounts tests: requests through the real app, with registration open or closed.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../../src/worker/app";

export const BASE = "http://localhost:8787/_matrix/client";
export const SERVER_NAME = env.SERVER_NAME;

/** The worker's env with registration opened (ENABLE_REGISTRATION=true), as `npm start` would pass it. */
export const OPEN_ENV: Env = Object.assign({}, env, { ENABLE_REGISTRATION: "true" });

export interface CallOptions {
	method?: string;
	body?: unknown;
	token?: string;
	open?: boolean;
}

/** Calls the app (closed registration unless `open`) and returns status and parsed JSON body. */
export async function call(path: string, options: CallOptions = {}): Promise<{ status: number; body: Record<string, unknown> }> {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
	const init: RequestInit = { method: options.method ?? (options.body === undefined ? "GET" : "POST"), headers };
	if (options.body !== undefined) init.body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
	const res = await app.fetch(new Request(`${BASE}${path}`, init), options.open === true ? OPEN_ENV : env, createExecutionContext());
	const text = await res.text();
	return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export interface Registered {
	user_id: string;
	access_token: string;
	device_id: string;
}

/** Registers `username` with `password` through open registration (two UIA rounds: flows, then m.login.dummy). */
export async function registerUser(username: string, password: string, extra: Record<string, unknown> = {}): Promise<Registered> {
	const first = await call("/v3/register", { body: { username, password, ...extra }, open: true });
	if (first.status !== 401) throw new Error(`expected 401, got ${first.status} ${JSON.stringify(first.body)}`);
	const done = await call("/v3/register", { body: { username, password, ...extra, auth: { type: "m.login.dummy", session: first.body.session } }, open: true });
	if (done.status !== 200) throw new Error(`register failed: ${done.status} ${JSON.stringify(done.body)}`);
	return done.body as unknown as Registered;
}

export async function login(user: string, password: string, extra: Record<string, unknown> = {}) {
	return call("/v3/login", { body: { type: "m.login.password", identifier: { type: "m.id.user", user }, password, ...extra } });
}
