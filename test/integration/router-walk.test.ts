// Walks the endpoint table and the routes actually mounted on the Hono app: every /_matrix/federation/*
// route declares server auth and refuses an unsigned request with 401, and every route the app serves
// under /_matrix/client/* (indeed under any path) came from the table with a declared auth.
// ARCHITECTURE.md "Endpoints are data"; STYLE.md "Don't apply auth by path glob".
import { exports } from "cloudflare:workers";
import type { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { app, buildApp } from "../../src/worker/app";
import { endpoints } from "../../src/worker/endpoints";
import type { AppEnv } from "../../src/worker/http/context";
import { AUTH_KINDS, type Endpoint } from "../../src/worker/http/endpoint";

const FEDERATION = "/_matrix/federation/";

/** The routes a Hono app would answer (middleware registered with `use` shows up as method ALL). */
function mountedRoutes(hono: Hono<AppEnv>): { method: string; path: string }[] {
	const seen = new Map<string, { method: string; path: string }>();
	for (const r of hono.routes) if (r.method !== "ALL") seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
	return [...seen.values()];
}

/** A concrete URL path for a Hono pattern: each `:param` becomes a plausible value. */
function concrete(path: string): string {
	return path.replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string) => encodeURIComponent(name === "serverName" ? "example.org" : `x${name}`));
}

/** What the walk finds wrong: table entries without server auth, and mounted routes not in the table. */
function problems(table: readonly Endpoint[], hono: Hono<AppEnv>): string[] {
	const out: string[] = [];
	const declared = new Set(table.map((e) => `${e.method} ${e.path}`));
	for (const e of table) {
		if (!AUTH_KINDS.includes(e.auth)) out.push(`${e.method} ${e.path}: unknown auth ${String(e.auth)}`);
		if (e.path.startsWith(FEDERATION) && e.auth !== "server") out.push(`${e.method} ${e.path}: federation route with auth ${e.auth}`);
	}
	for (const r of mountedRoutes(hono)) if (!declared.has(`${r.method} ${r.path}`)) out.push(`${r.method} ${r.path}: mounted outside the endpoint table`);
	return out;
}

describe("the real endpoint table and app", () => {
	it("has federation and client routes to walk", () => {
		expect(endpoints.some((e) => e.path.startsWith(FEDERATION))).toBe(true);
		expect(endpoints.some((e) => e.path.startsWith("/_matrix/client/"))).toBe(true);
	});

	it("declares server auth on every federation route, a known auth everywhere, and mounts nothing else", () => {
		expect(problems(endpoints, app)).toEqual([]);
		expect(mountedRoutes(app).length).toBe(endpoints.length);
	});

	const federation = mountedRoutes(app).filter((r) => r.path.startsWith(FEDERATION));
	it.each(federation.map((r) => [r.method, r.path] as const))("%s %s refuses an unsigned request with 401", async (method, path) => {
		const hasBody = method === "PUT" || method === "POST";
		const res = await exports.default.fetch(`http://localhost${concrete(path)}`, {
			method,
			headers: hasBody ? { "content-type": "application/json" } : {},
			body: hasBody ? "{}" : undefined,
		});
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ errcode: expect.stringMatching(/^M_/) });
	});

	it("refuses a malformed X-Matrix header on the federation routes too", async () => {
		for (const r of federation) {
			// An origin that is no server name fails before any key lookup, so the test makes no network call.
			const res = await exports.default.fetch(`http://localhost${concrete(r.path)}`, {
				method: r.method,
				headers: { authorization: 'X-Matrix origin="not a server!",destination="localhost:8787",key="ed25519:x",sig="AAAA"' },
				body: r.method === "PUT" || r.method === "POST" ? "{}" : undefined,
			});
			expect(res.status, `${r.method} ${r.path}`).toBe(401);
		}
	});
});

describe("the walk itself catches", () => {
	const handler = () => new Response("{}");

	it("a federation endpoint declared without server auth", () => {
		const bad: Endpoint[] = [{ method: "PUT", path: "/_matrix/federation/v2/send_join/:roomId/:eventId", auth: "none", rateLimit: null, handler }];
		expect(problems(bad, buildApp(bad))).toEqual(["PUT /_matrix/federation/v2/send_join/:roomId/:eventId: federation route with auth none"]);
	});

	it("a route mounted beside the table, bypassing its auth", () => {
		const table: Endpoint[] = [{ method: "GET", path: "/_matrix/client/versions", auth: "none", rateLimit: null, handler }];
		const hono = buildApp(table);
		hono.put("/_matrix/federation/v1/invite/:roomId/:eventId", handler);
		expect(problems(table, hono)).toEqual(["PUT /_matrix/federation/v1/invite/:roomId/:eventId: mounted outside the endpoint table"]);
	});

	it("and mounting refuses the same route twice", () => {
		const twice: Endpoint[] = [
			{ method: "GET", path: "/_matrix/client/versions", auth: "none", rateLimit: null, handler },
			{ method: "GET", path: "/_matrix/client/versions", auth: "user", rateLimit: null, handler },
		];
		expect(() => buildApp(twice)).toThrow(/declared twice/);
	});
});
