// The shell's error behaviour, on small apps built by the real buildApp (config, CORS, mounting, 404/405,
// onError) around test-only endpoint tables, so no test route ships in the worker.
import { env, exports } from "cloudflare:workers";
import type { MiddlewareHandler } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MatrixError } from "../../src/protocol/errors";
import { AUTH_MIDDLEWARES, buildApp } from "../../src/worker/app";
import { readJsonBody } from "../../src/worker/http/body";
import type { AppEnv } from "../../src/worker/http/context";
import type { Endpoint } from "../../src/worker/http/endpoint";
import { redact } from "../../src/platform/log";
import { scaledLimit } from "../../src/worker/http/rate-limit";
import { getConfig } from "../../src/platform/config";

const isNamed = (body: Record<string, unknown>) => (typeof body.name === "string" ? { name: body.name } : undefined);

const table: Endpoint[] = [
	{ method: "POST", path: "/_matrix/client/v3/echo", auth: "none", rateLimit: null, handler: async (c) => c.json(await readJsonBody(c)) },
	{ method: "PUT", path: "/_matrix/client/v3/named/:id", auth: "none", rateLimit: null, handler: async (c) => c.json(await readJsonBody(c, isNamed)) },
	{ method: "POST", path: "/_matrix/client/v3/small", auth: "none", rateLimit: null, maxBodyBytes: 16, handler: async (c) => c.json(await readJsonBody(c)) },
	{ method: "GET", path: "/_matrix/client/v3/crash", auth: "none", rateLimit: null, handler: () => { throw new Error("db at 10.0.0.7 is down"); } },
	{ method: "POST", path: "/_matrix/client/v3/careless", auth: "none", rateLimit: null, handler: async (c) => c.json(JSON.parse(await c.req.text())) },
	{ method: "GET", path: "/_matrix/client/v3/forbidden", auth: "none", rateLimit: null, handler: () => { throw new MatrixError("M_FORBIDDEN", "No", { extra: { detail: 1 } }); } },
	{ method: "GET", path: "/_matrix/client/v3/limited", auth: "none", rateLimit: { perSecond: 0.5, burst: 2 }, handler: (c) => c.json({}) },
	{ method: "GET", path: "/_matrix/client/v3/operator", auth: "operator", rateLimit: null, handler: (c) => c.json({ user: c.get("user") }) },
	{ method: "GET", path: "/_lawful/v1/orders", auth: "authority", rateLimit: null, handler: (c) => c.json({}) },
	{ method: "GET", path: "/_lawful/v1/admin/queue", auth: "operator", rateLimit: null, handler: (c) => c.json({}) },
	{ method: "GET", path: "/_lawful/v1/crash", auth: "none", rateLimit: null, handler: () => { throw new Error("db at 10.0.0.7 is down"); } },
	{
		method: "GET",
		path: "/_lawful/v1/self-rendering",
		auth: "none",
		rateLimit: null,
		handler: () => {
			throw Object.assign(new Error("x"), { getResponse: () => new Response('{"code":"LA_GONE","detail":"gone"}', { status: 410 }) });
		},
	},
];

/** Stands in for access-token auth: the caller's user ID comes from a test header. */
const fakeUser: MiddlewareHandler<AppEnv> = async (c, next) => {
	c.set("user", c.req.header("x-test-user") ?? "");
	await next();
};
const app = buildApp(table, { ...AUTH_MIDDLEWARES, user: [fakeUser], operator: [fakeUser, ...AUTH_MIDDLEWARES.operator.slice(1)] });

const call = (path: string, init?: RequestInit, bindings: object = env) => app.fetch(new Request(`http://localhost${path}`, init), bindings);
const jsonOf = (res: Response) => res.json<Record<string, unknown>>();

afterEach(() => vi.restoreAllMocks());

describe("unknown paths and methods", () => {
	it("an unknown /_matrix path is 404 M_UNRECOGNIZED, also on the real worker", async () => {
		for (const res of [await call("/_matrix/client/v3/nope"), await exports.default.fetch("http://localhost/_matrix/client/v3/nope")]) {
			expect(res.status).toBe(404);
			expect(await res.text()).toBe('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
		}
	});

	it("a known path with the wrong method is 405 M_UNRECOGNIZED with Allow", async () => {
		const res = await call("/_matrix/client/v3/named/x", { method: "POST" });
		expect(res.status).toBe(405);
		expect(res.headers.get("allow")).toBe("PUT, OPTIONS");
		expect(await jsonOf(res)).toEqual({ errcode: "M_UNRECOGNIZED", error: "Unrecognized request" });
		expect((await exports.default.fetch("http://localhost/_matrix/client/versions", { method: "DELETE" })).status).toBe(405);
	});
});

describe("readJsonBody", () => {
	it("returns the object", async () => {
		const res = await call("/_matrix/client/v3/echo", { method: "POST", body: '{"a":[1,2.5,"é"]}' });
		expect(await jsonOf(res)).toEqual({ a: [1, 2.5, "é"] });
	});

	it.each([
		["not JSON", "{nope", "M_NOT_JSON"],
		["empty", "", "M_NOT_JSON"],
		["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), "M_NOT_JSON"],
		["an array", "[1]", "M_BAD_JSON"],
		["a string", '"x"', "M_BAD_JSON"],
		["null", "null", "M_BAD_JSON"],
	])("refuses a body that is %s with 400 %s", async (_what, body, errcode) => {
		const res = await call("/_matrix/client/v3/echo", { method: "POST", body });
		expect(res.status).toBe(400);
		expect(await jsonOf(res)).toMatchObject({ errcode });
	});

	it("applies the validator: wrong shape is 400 M_BAD_JSON, right shape passes", async () => {
		const bad = await call("/_matrix/client/v3/named/x", { method: "PUT", body: '{"name":1}' });
		expect(bad.status).toBe(400);
		expect(await jsonOf(bad)).toMatchObject({ errcode: "M_BAD_JSON" });
		const good = await call("/_matrix/client/v3/named/x", { method: "PUT", body: '{"name":"n","other":1}' });
		expect(await jsonOf(good)).toEqual({ name: "n" });
	});

	it("refuses over the endpoint's limit with 413 M_TOO_LARGE, by Content-Length or by counting a stream", async () => {
		const declared = await call("/_matrix/client/v3/small", { method: "POST", body: '{"a":"0123456789abcdef"}' });
		expect(declared.status).toBe(413);
		expect(await jsonOf(declared)).toMatchObject({ errcode: "M_TOO_LARGE" });
		const chunks = ['{"a":"', "0123456789", 'abcdef"}'];
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				const next = chunks.shift();
				if (next === undefined) controller.close();
				else controller.enqueue(new TextEncoder().encode(next));
			},
		});
		const request = new Request("http://localhost/_matrix/client/v3/small", { method: "POST", body: stream });
		expect(request.headers.get("content-length")).toBeNull();
		expect((await app.fetch(request, env)).status).toBe(413);
		expect((await call("/_matrix/client/v3/small", { method: "POST", body: '{"a":1}' })).status).toBe(200);
	});

	it("the default limit is 1 MiB", async () => {
		const big = JSON.stringify({ a: "x".repeat(1024 * 1024) });
		expect((await call("/_matrix/client/v3/echo", { method: "POST", body: big })).status).toBe(413);
	});

	it("buffers a federation body before server auth, refusing an oversized one before auth runs", async () => {
		let authSaw: string | undefined;
		const peekingServerAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
			authSaw = await c.req.text();
			c.set("origin", "other.example");
			await next();
		};
		const fed: Endpoint[] = [{ method: "PUT", path: "/_matrix/federation/v1/send/:txnId", auth: "server", rateLimit: null, maxBodyBytes: 32, handler: async (c) => c.json(await readJsonBody(c)) }];
		const fedApp = buildApp(fed, { ...AUTH_MIDDLEWARES, server: [peekingServerAuth] });
		const send = (body: string) => fedApp.fetch(new Request("http://localhost/_matrix/federation/v1/send/1", { method: "PUT", body }), env);
		expect(await jsonOf(await send('{"pdus":[]}'))).toEqual({ pdus: [] });
		expect(authSaw).toBe('{"pdus":[]}');
		authSaw = undefined;
		expect((await send(JSON.stringify({ pdus: ["x".repeat(64)] }))).status).toBe(413);
		expect(authSaw).toBeUndefined();
	});

	it("reads a body an earlier middleware already consumed through Hono's cache (as X-Matrix auth does)", async () => {
		const preRead = buildApp(table, { ...AUTH_MIDDLEWARES, none: [async (c, next) => { await c.req.arrayBuffer(); await next(); }] });
		const res = await preRead.fetch(new Request("http://localhost/_matrix/client/v3/echo", { method: "POST", body: '{"b":2}' }), env);
		expect(await jsonOf(res)).toEqual({ b: 2 });
	});
});

describe("the error handler", () => {
	it("renders a MatrixError with its status and extra fields", async () => {
		const res = await call("/_matrix/client/v3/forbidden");
		expect(res.status).toBe(403);
		expect(await jsonOf(res)).toEqual({ errcode: "M_FORBIDDEN", error: "No", detail: 1 });
	});

	it("turns anything else into 500 M_UNKNOWN without internals; the log names route and error, never the URL or headers", async () => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		const res = await call("/_matrix/client/v3/crash?access_token=syt_query_token", { headers: { authorization: "Bearer syt_header_token" } });
		expect(res.status).toBe(500);
		expect(await res.text()).toBe('{"errcode":"M_UNKNOWN","error":"Internal server error"}');
		expect(logged).toHaveBeenCalledOnce();
		const line = JSON.parse(String(logged.mock.calls[0]![0])) as Record<string, unknown>;
		expect(line).toMatchObject({ level: "error", event: "unhandled_error", method: "GET", route: "/_matrix/client/v3/crash", error_name: "Error", error_message: "db at 10.0.0.7 is down" });
		expect(JSON.stringify(line)).not.toMatch(/syt_query_token|syt_header_token/);
	});

	it("leaves a SyntaxError's message (which quotes the input) out of the log", async () => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		const res = await call("/_matrix/client/v3/careless", { method: "POST", body: "secret message text" });
		expect(res.status).toBe(500);
		const line = String(logged.mock.calls[0]![0]);
		expect(line).toContain('"error_name":"SyntaxError"');
		expect(line).not.toContain("secret");
	});

	it("redacts token, password, content and body fields at any depth in log fields", () => {
		expect(redact({ user_id: "@a:b", access_token: "t", nested: [{ Password: "p", content: { body: "hi" } }], request: { body: "x" } })).toEqual({
			user_id: "@a:b",
			access_token: "[redacted]",
			nested: [{ Password: "[redacted]", content: "[redacted]" }],
			request: { body: "[redacted]" },
		});
	});

	it("an invalid configuration is a 500 for the caller and a full list in the log", async () => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		const res = await call("/_matrix/client/versions", {}, { ...env, SERVER_NAME: "bad name", LOG_LEVEL: "loud" });
		expect(res.status).toBe(500);
		expect(await jsonOf(res)).toEqual({ errcode: "M_UNKNOWN", error: "Internal server error" });
		const line = JSON.parse(String(logged.mock.calls[0]![0])) as { problems: string[] };
		expect(line.problems).toHaveLength(2);
	});
});

describe("rate limits", () => {
	it("answers 429 M_LIMIT_EXCEEDED with retry_after_ms and Retry-After once the burst is spent", async () => {
		const ip = { "cf-connecting-ip": "192.0.2.1" };
		// The declared limit, scaled by RATE_LIMIT_PERCENT (1000% outside production).
		const limit = scaledLimit({ perSecond: 0.5, burst: 2 }, getConfig(env).rateLimitPercent)!;
		expect(limit.burst).toBe(20);
		for (let i = 0; i < limit.burst; i++) expect((await call("/_matrix/client/v3/limited", { headers: ip })).status).toBe(200);
		const limited = await call("/_matrix/client/v3/limited", { headers: ip });
		expect(limited.status).toBe(429);
		const body = await jsonOf(limited);
		expect(body).toMatchObject({ errcode: "M_LIMIT_EXCEEDED", retry_after_ms: expect.any(Number) });
		expect(body.retry_after_ms).toBeGreaterThan(0);
		expect(body.retry_after_ms).toBeLessThanOrEqual(Math.ceil(1000 / limit.perSecond));
		expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		// Another caller has its own bucket.
		expect((await call("/_matrix/client/v3/limited", { headers: { "cf-connecting-ip": "192.0.2.2" } })).status).toBe(200);
	});
});

describe("RATE_LIMIT_PERCENT", () => {
	it("scales declared limits and turns limiting off at 0", () => {
		expect(scaledLimit({ perSecond: 2, burst: 10 }, 100)).toEqual({ perSecond: 2, burst: 10 });
		expect(scaledLimit({ perSecond: 2, burst: 10 }, 50)).toEqual({ perSecond: 1, burst: 5 });
		expect(scaledLimit({ perSecond: 2, burst: 10 }, 0)).toBeNull();
		expect(scaledLimit(null, 100)).toBeNull();
	});
});

describe("operator and authority auth", () => {
	it("lets an operator through and refuses other users with 403", async () => {
		await env.DB.batch([
			env.DB.prepare("INSERT INTO accounts (user_id, localpart, is_operator, created_ts) VALUES ('@op:localhost', 'op', 1, 0)"),
			env.DB.prepare("INSERT INTO accounts (user_id, localpart, is_operator, created_ts) VALUES ('@user:localhost', 'user', 0, 0)"),
			env.DB.prepare("INSERT INTO accounts (user_id, localpart, is_operator, deactivated, created_ts) VALUES ('@gone:localhost', 'gone', 1, 1, 0)"),
		]);
		const as = (user: string) => call("/_matrix/client/v3/operator", { headers: { "x-test-user": user } });
		expect(await (await as("@op:localhost")).json()).toEqual({ user: "@op:localhost" });
		for (const user of ["@user:localhost", "@gone:localhost", "@nobody:localhost"]) {
			const res = await as(user);
			expect(res.status).toBe(403);
			expect(await jsonOf(res)).toMatchObject({ errcode: "M_FORBIDDEN" });
		}
	});

	it("refuses an unsigned authority request with 401", async () => {
		expect((await call("/_lawful/v1/orders")).status).toBe(401);
	});
});

describe("/_lawful speaks LA_* errors only", () => {
	it("translates shared middleware's Matrix errors by status", async () => {
		const res = await call("/_lawful/v1/admin/queue", { headers: { "x-test-user": "@nobody:localhost" } });
		expect(res.status).toBe(403);
		expect(await jsonOf(res)).toEqual({ code: "LA_FORBIDDEN", detail: "Operator access required" });
	});

	it("answers an unexpected failure with LA_INTERNAL and no internals", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const res = await call("/_lawful/v1/crash");
		expect(res.status).toBe(500);
		expect(await res.text()).toBe('{"code":"LA_INTERNAL","detail":"Internal error"}');
	});

	it("lets an error that renders itself (LaError) answer for itself", async () => {
		const res = await call("/_lawful/v1/self-rendering");
		expect(res.status).toBe(410);
		expect(await jsonOf(res)).toEqual({ code: "LA_GONE", detail: "gone" });
	});
});

describe("CORS", () => {
	it.each(["/_matrix/client/v3/anything/at/all", "/_matrix/federation/v1/send/1", "/.well-known/matrix/client"])("answers the preflight for %s", async (path) => {
		const res = await exports.default.fetch(`http://localhost${path}`, {
			method: "OPTIONS",
			headers: { origin: "https://app.example", "access-control-request-method": "PUT" },
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST,PUT,DELETE,OPTIONS");
		expect(res.headers.get("access-control-allow-headers")).toBe("X-Requested-With,Content-Type,Authorization");
	});

	it("keeps the CORS header on error responses", async () => {
		expect((await call("/_matrix/client/v3/nope")).headers.get("access-control-allow-origin")).toBe("*");
		expect((await call("/_matrix/client/v3/forbidden")).headers.get("access-control-allow-origin")).toBe("*");
	});
});
