// Shared by the cs-extra-*.test.ts files: requests through the real app with an optional settings override.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import { app } from "../../src/worker/app";
import type { AppEnv } from "../../src/worker/http/context";
import type { TestUser } from "./rooms-helpers";

export interface Reply {
	status: number;
	body: Record<string, unknown> & unknown[];
}

/** Calls the app as a client would; `settings` are merged into the worker's env (config is per env object). */
export async function request(
	user: TestUser | null,
	method: string,
	path: string,
	body?: unknown,
	settings?: Record<string, string>,
	options: { app?: Hono<AppEnv>; headers?: Record<string, string> } = {},
): Promise<Reply> {
	const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
	if (user !== null) headers.authorization = `Bearer ${user.token}`;
	const init: RequestInit = { method, headers };
	if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
	const workerEnv: Env = settings === undefined ? env : Object.assign({}, env, settings);
	const res = await (options.app ?? app).fetch(new Request(`http://localhost${path}`, init), workerEnv, createExecutionContext());
	const text = await res.text();
	return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as Reply["body"] };
}
