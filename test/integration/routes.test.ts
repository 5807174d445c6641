// The shell's own routes through the real worker: versions, both well-known documents,
// our self-signed key response (before and after a rotation), the federation version gate, and the
// queue and cron entry points.
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { rotateServerKey } from "../../src/platform/signing-key/server-key";
import { verifyJson } from "../../src/protocol/crypto/sign-json";
import type { MiddlewareHandler } from "hono";
import pkg from "../../package.json";
import { app, AUTH_MIDDLEWARES, buildApp } from "../../src/worker/app";
import { endpoints } from "../../src/worker/endpoints";
import worker from "../../src/worker/index";
import type { AppEnv } from "../../src/worker/http/context";
import { getConfig } from "../../src/platform/config";

interface KeyResponse extends Record<string, unknown> {
	server_name: string;
	valid_until_ts: number;
	verify_keys: Record<string, { key: string }>;
	old_verify_keys: Record<string, { key: string; expired_ts: number }>;
	signatures: Record<string, Record<string, string>>;
}

const get = (path: string) => exports.default.fetch(`http://localhost:8787${path}`);
const SERVER_NAME = "localhost:8787"; // wrangler.toml [vars]

async function keyResponse(path = "/_matrix/key/v2/server"): Promise<KeyResponse> {
	const res = await get(path);
	expect(res.status).toBe(200);
	return res.json<KeyResponse>();
}

/** Checks the response's self-signature with each key it publishes in verify_keys. */
async function selfSigned(body: KeyResponse): Promise<boolean> {
	const entries = Object.entries(body.verify_keys);
	if (entries.length === 0) return false;
	for (const [keyId, { key }] of entries) {
		if ((await verifyJson(body, body.server_name, keyId, key)) !== undefined) return false;
	}
	return true;
}

describe("client discovery", () => {
	it("GET /_matrix/client/versions lists spec versions and no unstable features", async () => {
		const res = await get("/_matrix/client/versions");
		expect(res.status).toBe(200);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		const body = await res.json<{ versions: string[]; unstable_features: Record<string, boolean> }>();
		expect(body.versions).toContain("v1.5"); // matrix-js-sdk's minimum
		expect(body.versions).toContain("v1.12");
		expect(body.versions.every((v) => /^v1\.\d+$/.test(v))).toBe(true);
		expect(body.unstable_features).toEqual({});
	});

	it("GET /.well-known/matrix/client gives the base URL (http for a loopback name)", async () => {
		const res = await get("/.well-known/matrix/client");
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		expect(await res.json()).toEqual({ "m.homeserver": { base_url: "http://localhost:8787" } });
	});

	it("GET /.well-known/matrix/server delegates to our own name and port by default", async () => {
		expect(await (await get("/.well-known/matrix/server")).json()).toEqual({ "m.server": SERVER_NAME });
	});

	it("uses PUBLIC_BASEURL and WELL_KNOWN_SERVER, and adds :443 to a portless name", async () => {
		const custom = { ...env, SERVER_NAME: "example.org", PUBLIC_BASEURL: "https://matrix.example.org/" };
		const client = await app.fetch(new Request("https://example.org/.well-known/matrix/client"), custom);
		expect(await client.json()).toEqual({ "m.homeserver": { base_url: "https://matrix.example.org" } });
		const own = await app.fetch(new Request("https://example.org/.well-known/matrix/server"), custom);
		expect(await own.json()).toEqual({ "m.server": "example.org:443" });
		const delegated = await app.fetch(new Request("https://example.org/.well-known/matrix/server"), { ...custom, WELL_KNOWN_SERVER: "fed.example.org:8448" });
		expect(await delegated.json()).toEqual({ "m.server": "fed.example.org:8448" });
	});
});

describe("GET /_matrix/key/v2/server", () => {
	it("is self-signed with the key it publishes", async () => {
		const body = await keyResponse();
		expect(body.server_name).toBe(SERVER_NAME);
		expect(Object.keys(body.verify_keys)).toHaveLength(1);
		expect(Object.keys(body.signatures)).toEqual([SERVER_NAME]);
		expect(await selfSigned(body)).toBe(true);
		// A changed field breaks the signature.
		expect(await selfSigned({ ...body, valid_until_ts: body.valid_until_ts + 1 })).toBe(false);
	});

	it("has a valid_until_ts in the future and no more than KEY_VALIDITY_MS (≤ 7 days) ahead", async () => {
		const before = Date.now();
		const body = await keyResponse();
		expect(body.valid_until_ts).toBeGreaterThan(before + 60 * 60 * 1000);
		expect(body.valid_until_ts).toBeLessThanOrEqual(Date.now() + 7 * 24 * 60 * 60 * 1000);
		expect(Number.isSafeInteger(body.valid_until_ts)).toBe(true);
	});

	it("answers the deprecated /server/{keyId} form with the same keys", async () => {
		const full = await keyResponse();
		const [keyId] = Object.keys(full.verify_keys);
		const byId = await keyResponse(`/_matrix/key/v2/server/${encodeURIComponent(keyId!)}`);
		expect(byId.verify_keys).toEqual(full.verify_keys);
		expect(await selfSigned(byId)).toBe(true);
	});

	it("publishes the previous key in old_verify_keys after a rotation, signed by the new one", async () => {
		const before = await keyResponse();
		const [oldKeyId, oldKey] = Object.entries(before.verify_keys)[0]!;
		await rotateServerKey(env.DB, getConfig(env));
		const after = await keyResponse();
		expect(after.verify_keys[oldKeyId]).toBeUndefined();
		expect(after.old_verify_keys[oldKeyId]).toEqual({ key: oldKey.key, expired_ts: expect.any(Number) });
		expect(after.old_verify_keys[oldKeyId]!.expired_ts).toBeLessThanOrEqual(Date.now());
		expect(await selfSigned(after)).toBe(true);
	});
});

describe("GET /_matrix/federation/v1/version", () => {
	it("refuses an unsigned request: every federation route requires X-Matrix", async () => {
		const res = await get("/_matrix/federation/v1/version");
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ errcode: expect.stringMatching(/^M_/) });
	});

	it("names the implementation and package version to an authenticated server", async () => {
		const asOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
			c.set("origin", "other.example");
			await next();
		};
		const signedIn = buildApp(endpoints, { ...AUTH_MIDDLEWARES, server: [asOrigin] });
		const res = await signedIn.fetch(new Request("http://localhost/_matrix/federation/v1/version"), env);
		expect(await res.json()).toEqual({ server: { name: "sealbridge", version: pkg.version } });
	});
});

describe("queue and cron entry points", () => {
	it("acknowledges (and logs, without the body) queue messages no consumer handles", async () => {
		const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
		const batch = createMessageBatch<unknown>("sealbridge-federation-out", [
			{ id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "not_yet_wired", content: "secret" } },
			{ id: "m2", timestamp: new Date(), attempts: 1, body: "no kind at all" },
		]);
		const ctx = createExecutionContext();
		await worker.queue(batch, env, ctx);
		const result = await getQueueResult(batch, ctx);
		expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
		expect(result.retryMessages).toEqual([]);
		const lines = warned.mock.calls.map((call) => String(call[0]));
		expect(lines).toHaveLength(2);
		expect(JSON.parse(lines[0]!)).toMatchObject({ event: "queue_message_unhandled", queue: "sealbridge-federation-out", message_id: "m1", kind: "not_yet_wired" });
		expect(lines.join("\n")).not.toContain("secret");
		warned.mockRestore();
	});

	it("runs the cron tick", async () => {
		const ctx = createExecutionContext();
		await expect(worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env, ctx)).resolves.toBeUndefined();
	});
});

describe("r0 aliases for older clients", () => {
	it("serves a v3 client endpoint under /_matrix/client/r0 with the same auth", async () => {
		const v3 = await exports.default.fetch("http://localhost/_matrix/client/v3/account/whoami");
		const r0 = await exports.default.fetch("http://localhost/_matrix/client/r0/account/whoami");
		expect(v3.status).toBe(401);
		expect(r0.status).toBe(401);
		expect(await r0.json()).toEqual(await v3.json());
	});

	it("makes no r0 alias for endpoints added after r0.6.1, nor for unknown paths", async () => {
		const { withR0Aliases } = await import("../../src/worker/http/r0-aliases");
		const handler = () => new Response("x");
		const table = withR0Aliases([
			{ method: "POST", path: "/_matrix/client/v3/refresh", auth: "none", rateLimit: null, handler },
			{ method: "GET", path: "/_matrix/client/v3/sync", auth: "user", rateLimit: null, handler },
		]);
		expect(table.map((e) => e.path)).toEqual(["/_matrix/client/v3/refresh", "/_matrix/client/v3/sync", "/_matrix/client/r0/sync"]);
		expect((await exports.default.fetch("http://localhost/_matrix/client/r0/nonsense")).status).toBe(404);
	});
});
