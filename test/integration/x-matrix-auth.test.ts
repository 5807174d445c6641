// X-Matrix server auth inside workerd: the real middleware on a small endpoint table, keys pre-seeded in D1.
// Spec: https://spec.matrix.org/latest/server-server-api/#request-authentication
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { clearKeyMemo } from "../../src/bridge/keys/key-memo";
import { type SigningKey, signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { formatXMatrixHeader, parseXMatrixHeader, signRequest } from "../../src/protocol/federation/x-matrix";
import { buildApp } from "../../src/worker/app";
import { getConfig } from "../../src/platform/config";
import type { Endpoint } from "../../src/worker/http/endpoint";

const REMOTE = "remote.example";
const ME = getConfig(env).serverName;
let remoteKey: SigningKey;
let strangerKey: SigningKey;

/** A federation-shaped route that echoes who called and the body it can still read after auth. */
const table: Endpoint[] = [
	{
		method: "PUT",
		path: "/_matrix/federation/v1/echo/:id",
		auth: "server",
		rateLimit: null,
		handler: async (c) => c.json({ origin: c.get("origin"), json: await c.req.json(), text: await c.req.text() }),
	},
	{ method: "GET", path: "/_matrix/federation/v1/echo", auth: "server", rateLimit: null, handler: (c) => c.json({ origin: c.get("origin") }) },
];
const app = buildApp(table);

interface Signed {
	method: "GET" | "PUT";
	uri: string;
	body?: unknown;
	headers: Record<string, string>;
}

async function signed(method: Signed["method"], uri: string, body?: unknown, opts: { key?: SigningKey; origin?: string; destination?: string } = {}): Promise<Signed> {
	const key = opts.key ?? remoteKey;
	const authorization = await signRequest(key, {
		method,
		uri,
		origin: opts.origin ?? REMOTE,
		destination: opts.destination ?? ME,
		...(body === undefined ? {} : { content: body }),
	});
	return { method, uri, body, headers: { authorization } };
}

function send(req: Signed, override: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
	const text = override.body ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
	return Promise.resolve(
		app.request(
			`http://${ME}${req.uri}`,
			{ method: req.method, headers: { "content-type": "application/json", ...req.headers, ...override.headers }, ...(text === undefined ? {} : { body: text }) },
			env,
		),
	);
}

async function expect401(res: Response): Promise<void> {
	expect(res.status).toBe(401);
	expect(await res.json()).toMatchObject({ errcode: "M_UNAUTHORIZED" });
}

beforeAll(async () => {
	remoteKey = await signingKeyFromSeed("ed25519:rk1", new Uint8Array(32).fill(7));
	strangerKey = await signingKeyFromSeed("ed25519:zz9", new Uint8Array(32).fill(8));
});

beforeEach(async () => {
	// No test here may reach the network: unknown keys lead to a key fetch, which fails.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	clearKeyMemo();
	await env.DB.prepare("DELETE FROM remote_server_keys").run();
	await env.DB.prepare(
		"INSERT INTO remote_server_keys (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts) VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
	)
		.bind(REMOTE, remoteKey.keyId, remoteKey.publicKeyBase64, Date.now() + 3_600_000, Date.now())
		.run();
});

afterEach(() => {
	vi.restoreAllMocks();
});

describe("authenticateServer", () => {
	it("accepts a request signed by a key in D1, sets origin, and leaves the body readable", async () => {
		const body = { pdus: [], edus: [{ edu_type: "m.typing", content: { typing: true } }] };
		const res = await send(await signed("PUT", "/_matrix/federation/v1/echo/t1?x=1", body));
		expect(res.status).toBe(200);
		const echoed = (await res.json()) as { origin: string; json: unknown; text: string };
		expect(echoed.origin).toBe(REMOTE);
		// The handler read the body twice (json and text) after the middleware had read it once.
		expect(echoed.json).toEqual(body);
		expect(JSON.parse(echoed.text)).toEqual(body);
	});

	it("accepts a GET without a body, and a header without destination (pre-v1.3 senders)", async () => {
		const req = await signed("GET", "/_matrix/federation/v1/echo");
		expect((await send(req)).status).toBe(200);
		const auth = parseXMatrixHeader(req.headers.authorization!)!;
		const legacy = `X-Matrix origin=${auth.origin},key="${auth.key}",sig="${auth.sig}"`;
		const res = await send(req, { headers: { authorization: legacy } });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ origin: REMOTE });
	});

	it("accepts when any one of several credentials verifies", async () => {
		const good = await signed("GET", "/_matrix/federation/v1/echo");
		const bad = (await signed("GET", "/_matrix/federation/v1/echo", undefined, { key: strangerKey })).headers.authorization!;
		const res = await send(good, { headers: { authorization: `${bad}, ${good.headers.authorization}` } });
		expect(res.status).toBe(200);
	});

	it("refuses an unsigned request", async () => {
		await expect401(await send({ method: "GET", uri: "/_matrix/federation/v1/echo", headers: {} }));
		await expect401(await send({ method: "GET", uri: "/_matrix/federation/v1/echo", headers: { authorization: "Bearer abc" } }));
	});

	it("refuses a request for another destination", async () => {
		await expect401(await send(await signed("GET", "/_matrix/federation/v1/echo", undefined, { destination: "other.example" })));
	});

	it("refuses a tampered body, uri or method", async () => {
		const req = await signed("PUT", "/_matrix/federation/v1/echo/t1", { a: 1 });
		await expect401(await send(req, { body: JSON.stringify({ a: 2 }) }));
		await expect401(await send({ ...req, uri: "/_matrix/federation/v1/echo/t2" }));
		const get = await signed("GET", "/_matrix/federation/v1/echo");
		await expect401(await send({ ...get, method: "PUT", uri: "/_matrix/federation/v1/echo/x", body: {} }));
	});

	it("refuses a header whose origin is not a valid server name or whose key ID is malformed", async () => {
		const req = await signed("GET", "/_matrix/federation/v1/echo");
		const auth = parseXMatrixHeader(req.headers.authorization!)!;
		await expect401(await send(req, { headers: { authorization: formatXMatrixHeader({ ...auth, destination: ME, origin: "bad name!" }) } }));
		await expect401(await send(req, { headers: { authorization: formatXMatrixHeader({ ...auth, destination: ME, key: "rsa:1" }) } }));
	});

	it("refuses a signature by an unknown key that cannot be fetched", async () => {
		const fetchSpy = vi.mocked(globalThis.fetch);
		await expect401(await send(await signed("GET", "/_matrix/federation/v1/echo", undefined, { key: strangerKey })));
		// It did try the origin's key endpoint (at the default federation port, after discovery's lookups), and nothing else.
		const urls = fetchSpy.mock.calls.map(([input]) => (input instanceof Request ? input.url : String(input)));
		expect(urls.filter((u) => u.includes("/_matrix/"))).toEqual([`https://${REMOTE}:8448/_matrix/key/v2/server`]);
		expect(urls.filter((u) => !u.includes("/_matrix/") && !u.includes("/dns-query") && !u.endsWith("/.well-known/matrix/server"))).toEqual([]);
	});

	it("refuses a key that is past its valid_until_ts when the origin cannot refresh it", async () => {
		await env.DB.prepare("UPDATE remote_server_keys SET valid_until_ts = ?1").bind(Date.now() - 1).run();
		await expect401(await send(await signed("GET", "/_matrix/federation/v1/echo")));
	});

	it("refuses an old (expired) key even when its valid_until_ts is in the future", async () => {
		await env.DB.prepare("UPDATE remote_server_keys SET expired_ts = ?1").bind(Date.now() + 60_000).run();
		await expect401(await send(await signed("GET", "/_matrix/federation/v1/echo")));
	});

	it("answers 400 M_NOT_JSON for a body that is not JSON, and 413 over the body limit", async () => {
		const req = await signed("PUT", "/_matrix/federation/v1/echo/t1", { a: 1 });
		const res = await send(req, { body: "{not json" });
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ errcode: "M_NOT_JSON" });
		const big = await send(req, { body: JSON.stringify({ a: "x".repeat(1024 * 1024 + 1) }) });
		expect(big.status).toBe(413);
	});
});
