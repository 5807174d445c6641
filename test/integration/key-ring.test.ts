// The key ring inside workerd: memo → D1 → direct fetch, response verification, validity, and the
// discovery guard. Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-server-keys
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { discoverDestination } from "../../src/bridge/discovery/discover-destination";
import { clearKeyMemo } from "../../src/bridge/keys/key-memo";
import { KeyRing, MIN_REFETCH_INTERVAL_MS } from "../../src/bridge/keys/key-ring";
import { type SigningKey, signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { signJson } from "../../src/protocol/crypto/sign-json";
import { MAX_KEY_VALIDITY_MS } from "../../src/protocol/federation/server-keys";
import { getConfig } from "../../src/platform/config";

const REMOTE = "remote.example";
const HOUR = 3_600_000;
let key: SigningKey;
let otherKey: SigningKey;

beforeAll(async () => {
	key = await signingKeyFromSeed("ed25519:cur", new Uint8Array(32).fill(1));
	otherKey = await signingKeyFromSeed("ed25519:other", new Uint8Array(32).fill(2));
});

beforeEach(async () => {
	clearKeyMemo();
	await env.DB.prepare("DELETE FROM remote_server_keys").run();
});

/** A key response as `name` would publish it, self-signed by `signers` (default: its current key). */
async function keyResponse(opts: { name?: string; validUntil?: number; signers?: SigningKey[]; old?: Record<string, unknown> } = {}) {
	const name = opts.name ?? REMOTE;
	let body: Record<string, unknown> = {
		server_name: name,
		valid_until_ts: opts.validUntil ?? Date.now() + HOUR,
		verify_keys: { [key.keyId]: { key: key.publicKeyBase64 } },
		old_verify_keys: opts.old ?? { "ed25519:old": { key: otherKey.publicKeyBase64, expired_ts: 1_600_000_000_000 } },
	};
	for (const signer of opts.signers ?? [key]) body = await signJson(body, name, signer);
	return body;
}

/** A fetcher that serves `body` and records what it was asked for. */
function serving(body: unknown, status = 200) {
	return vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
}

function ring(fetcher: typeof fetch, opts: { loopback?: boolean; now?: () => number; timeoutMs?: number } = {}) {
	// Discovery's own lookups (DoH, well-known) go to the global fetch, which reaches nothing in tests.
	return new KeyRing({ db: env.DB, cache: env.CACHE, dohUrl: getConfig(env).federationDohUrl, allowInsecureLoopback: opts.loopback ?? false, fetcher, ...(opts.now ? { now: opts.now } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
}

async function storedRows() {
	const { results } = await env.DB.prepare("SELECT key_id, public_key, valid_until_ts, expired_ts FROM remote_server_keys WHERE server_name = ?1 ORDER BY key_id")
		.bind(REMOTE)
		.all();
	return results;
}

describe("getServerVerifyKey", () => {
	it("fetches from the server itself, verifies, stores current and old keys in D1", async () => {
		const response = await keyResponse();
		const fetcher = serving(response);
		const found = await ring(fetcher).getServerVerifyKey(REMOTE, key.keyId, Date.now());
		expect(found).toMatchObject({ serverName: REMOTE, keyId: key.keyId, publicKey: key.publicKeyBase64, expiredTs: null });
		expect(String(fetcher.mock.calls[0]![0])).toBe(`https://${REMOTE}:8448/_matrix/key/v2/server`);
		expect(await storedRows()).toEqual([
			{ key_id: key.keyId, public_key: key.publicKeyBase64, valid_until_ts: response.valid_until_ts, expired_ts: null },
			{ key_id: "ed25519:old", public_key: otherKey.publicKeyBase64, valid_until_ts: response.valid_until_ts, expired_ts: 1_600_000_000_000 },
		]);
	});

	it("answers from the isolate memo, then from D1, before fetching again", async () => {
		const fetcher = serving(await keyResponse());
		await ring(fetcher).getServerVerifyKey(REMOTE, key.keyId, Date.now());
		expect(await ring(fetcher).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeDefined();
		clearKeyMemo(); // a fresh isolate: only D1 remembers
		expect(await ring(fetcher).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeDefined();
		expect(fetcher).toHaveBeenCalledTimes(1);
	});

	it("refetches a stored key that is no longer valid long enough, and keeps the newer answer", async () => {
		await env.DB.prepare("INSERT INTO remote_server_keys VALUES (?1, ?2, ?3, ?4, NULL, ?5)").bind(REMOTE, key.keyId, key.publicKeyBase64, Date.now() - 1, Date.now() - HOUR).run();
		const response = await keyResponse();
		const fetcher = serving(response);
		expect(await ring(fetcher).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toMatchObject({ validUntilTs: response.valid_until_ts });
		expect(fetcher).toHaveBeenCalledTimes(1);
		expect((await storedRows())[0]).toMatchObject({ valid_until_ts: response.valid_until_ts });
	});

	it("caps valid_until_ts at 7 days after the fetch", async () => {
		const now = Date.now();
		const found = await ring(serving(await keyResponse({ validUntil: now + 30 * 24 * HOUR })), { now: () => now }).getServerVerifyKey(REMOTE, key.keyId, now);
		expect(found?.validUntilTs).toBe(now + MAX_KEY_VALIDITY_MS);
	});

	it("returns nothing when the key is not valid until the time asked for", async () => {
		const fetcher = serving(await keyResponse({ validUntil: Date.now() + HOUR }));
		expect(await ring(fetcher).getServerVerifyKey(REMOTE, key.keyId, Date.now() + 2 * HOUR)).toBeUndefined();
	});

	it("treats an old key as valid only until its expired_ts", async () => {
		const fetcher = serving(await keyResponse());
		const kr = ring(fetcher);
		expect(await kr.getServerVerifyKey(REMOTE, "ed25519:old", 1_500_000_000_000)).toMatchObject({ expiredTs: 1_600_000_000_000 });
		expect(await kr.getServerVerifyKey(REMOTE, "ed25519:old", Date.now())).toBeUndefined();
	});

	it.each([
		["server_name of another server", async () => keyResponse({ name: "evil.example" })],
		["no self-signature", async () => keyResponse({ signers: [] })],
		["a signature only by a key it does not list", async () => keyResponse({ signers: [otherKey] })],
		["a bad signature by a listed key", async () => ({ ...(await keyResponse()), valid_until_ts: Date.now() + 2 * HOUR })],
		["a malformed public key", async () => signJson({ ...(await keyResponse({ signers: [] })), verify_keys: { [key.keyId]: { key: "short" } } }, REMOTE, key)],
		["no valid_until_ts", async () => signJson({ server_name: REMOTE, verify_keys: { [key.keyId]: { key: key.publicKeyBase64 } } }, REMOTE, key)],
	])("refuses a response with %s and stores nothing", async (_label, make) => {
		expect(await ring(serving(await make())).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeUndefined();
		expect(await storedRows()).toEqual([]);
	});

	it("refuses error statuses, non-JSON and oversized responses", async () => {
		expect(await ring(serving(await keyResponse(), 404)).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeUndefined();
		clearKeyMemo();
		const notJson = vi.fn(async () => new Response("<html>"));
		expect(await ring(notJson).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeUndefined();
		clearKeyMemo();
		const huge = vi.fn(async () => new Response(JSON.stringify({ ...(await keyResponse()), pad: "x".repeat(70_000) })));
		expect(await ring(huge).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeUndefined();
	});

	it("gives up on a server that does not answer within the timeout", async () => {
		const hanging = vi.fn(
			(_input: RequestInfo | URL, init?: RequestInit) =>
				new Promise<Response>((_ok, fail) => init?.signal?.addEventListener("abort", () => fail(init.signal?.reason))),
		);
		const started = Date.now();
		expect(await ring(hanging, { timeoutMs: 50 }).getServerVerifyKey(REMOTE, key.keyId, Date.now())).toBeUndefined();
		expect(Date.now() - started).toBeLessThan(5_000);
	});

	it("does not refetch the same server within MIN_REFETCH_INTERVAL_MS", async () => {
		let now = 1_000_000;
		const failing = vi.fn(async () => new Response("", { status: 500 }));
		const kr = ring(failing, { now: () => now });
		await kr.getServerVerifyKey(REMOTE, key.keyId, now);
		await kr.getServerVerifyKey(REMOTE, key.keyId, now);
		expect(failing).toHaveBeenCalledTimes(1);
		now += MIN_REFETCH_INTERVAL_MS;
		await kr.getServerVerifyKey(REMOTE, key.keyId, now);
		expect(failing).toHaveBeenCalledTimes(2);
	});
});

describe("discovery guard", () => {
	/** The first base URL discovery gives for `name` (DoH and .well-known reach nothing here), or undefined when refused. */
	async function baseUrlOf(name: string, allowInsecureLoopback: boolean, loopbackScheme?: "http" | "https") {
		const found = await discoverDestination(name, { cache: env.CACHE, dohUrl: getConfig(env).federationDohUrl, allowInsecureLoopback, ...(loopbackScheme ? { loopbackScheme } : {}), now: Date.now });
		return found.ok ? found.value.baseUrls[0] : undefined;
	}

	it("resolves names to https on 8448 by default, or the given port", async () => {
		expect(await baseUrlOf("matrix.org", false)).toBe("https://matrix.org:8448");
		expect(await baseUrlOf("example.com:443", false)).toBe("https://example.com:443");
		// With a private CA (FEDERATION_CA_FILE) loopback peers are reached through their TLS front.
		expect(await baseUrlOf("127.0.0.1:8448", true)).toBe("http://127.0.0.1:8448");
		expect(await baseUrlOf("127.0.0.1:8448", true, "https")).toBe("https://127.0.0.1:8448");
		expect(await baseUrlOf("127.0.0.1:8448", false, "https")).toBeUndefined();
		expect(await baseUrlOf("1.2.3.4:8000", false)).toBe("https://1.2.3.4:8000");
		expect(await baseUrlOf("[2001:4860::1]", false)).toBe("https://[2001:4860::1]:8448");
	});

	it("uses plain http for 127.0.0.1, localhost and [::1] only when insecure loopback is on", async () => {
		expect(await baseUrlOf("127.0.0.1:8787", true)).toBe("http://127.0.0.1:8787");
		expect(await baseUrlOf("localhost:8787", true)).toBe("http://localhost:8787");
		expect(await baseUrlOf("[::1]:8787", true)).toBe("http://[::1]:8787");
		expect(await baseUrlOf("127.0.0.1:8787", false)).toBeUndefined();
		expect(await baseUrlOf("localhost", false)).toBeUndefined();
		// Other spellings of loopback are refused even with the switch on.
		for (const name of ["127.0.0.2", "2130706433", "0x7f.1", "foo.localhost", "[::ffff:7f00:1]", "[0:0:0:0:0:0:0:1]"]) {
			expect(await baseUrlOf(name, true), name).toBeUndefined();
		}
	});

	it.each(["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "[fd00::1]", "[fe80::1]", "[::]", "[::ffff:10.0.0.1]", "[64:ff9b::a00:1]", "bad name"])(
		"refuses %s",
		async (name) => {
			expect(await baseUrlOf(name, true)).toBeUndefined();
		},
	);

	it("never fetches a refused destination", async () => {
		const fetcher = serving({});
		expect(await ring(fetcher).getServerVerifyKey("10.0.0.1:8448", key.keyId, Date.now())).toBeUndefined();
		expect(fetcher).not.toHaveBeenCalled();
	});
});
