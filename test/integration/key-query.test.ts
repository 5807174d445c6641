// The notary endpoints through the real worker: remote key responses relayed with our signature added,
// which verifies with the key we publish at /_matrix/key/v2/server.
// Spec: https://spec.matrix.org/latest/server-server-api/#querying-keys-through-another-server
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { clearKeyMemo } from "../../src/bridge/keys/key-memo";
import { type SigningKey, signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { signJson, verifyJson } from "../../src/protocol/crypto/sign-json";
import { getConfig } from "../../src/platform/config";

const REMOTE = "remote.example";
const ME = getConfig(env).serverName;
let remoteKey: SigningKey;
let remoteResponse: Record<string, unknown>;

interface KeyResponse extends Record<string, unknown> {
	server_name: string;
	verify_keys: Record<string, { key: string }>;
	signatures: Record<string, Record<string, string>>;
}

function call(path: string, init?: RequestInit): Promise<Response> {
	return exports.default.fetch(new Request(`http://${ME}${path}`, init));
}

async function ourKeys(): Promise<KeyResponse> {
	const res = await call("/_matrix/key/v2/server");
	expect(res.status).toBe(200);
	return (await res.json()) as KeyResponse;
}

async function serverKeys(res: Response): Promise<KeyResponse[]> {
	expect(res.status).toBe(200);
	return ((await res.json()) as { server_keys: KeyResponse[] }).server_keys;
}

/** Signed by `signer` with the (single) key that `published` lists. */
async function signedBy(obj: KeyResponse, signer: string, published: KeyResponse): Promise<boolean> {
	const [keyId, entry] = Object.entries(published.verify_keys)[0]!;
	return (await verifyJson(obj, signer, keyId, entry.key)) === undefined;
}

/** The outside world: remote.example serves its key response; every other host is unreachable. */
function stubNetwork() {
	return vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
		const url = input instanceof Request ? input.url : String(input);
		if (url === `https://${REMOTE}:8448/_matrix/key/v2/server`) return Response.json(remoteResponse);
		throw new TypeError("network down");
	});
}

beforeAll(async () => {
	remoteKey = await signingKeyFromSeed("ed25519:rem", new Uint8Array(32).fill(5));
	remoteResponse = await signJson(
		{
			server_name: REMOTE,
			valid_until_ts: Date.now() + 3_600_000,
			verify_keys: { [remoteKey.keyId]: { key: remoteKey.publicKeyBase64 } },
			old_verify_keys: {},
		},
		REMOTE,
		remoteKey,
	);
});

beforeEach(() => {
	clearKeyMemo();
});

afterEach(() => {
	vi.restoreAllMocks();
});

describe("GET /_matrix/key/v2/query/{serverName}", () => {
	it("relays the server's self-signed response with our signature, verifiable with our published key", async () => {
		const network = stubNetwork();
		const [relayed, ...rest] = await serverKeys(await call(`/_matrix/key/v2/query/${REMOTE}`));
		expect(rest).toEqual([]);
		// One key request; the rest were discovery's lookups (DoH, .well-known), unreachable here.
		expect(network.mock.calls.map(([input]) => (input instanceof Request ? input.url : String(input))).filter((u) => u.includes("/_matrix/"))).toEqual([`https://${REMOTE}:8448/_matrix/key/v2/server`]);
		expect(relayed!.server_name).toBe(REMOTE);
		expect(relayed!.verify_keys).toEqual(remoteResponse.verify_keys);
		expect(await signedBy(relayed!, REMOTE, remoteResponse as KeyResponse)).toBe(true);
		expect(await signedBy(relayed!, ME, await ourKeys())).toBe(true);
		// Exactly the origin's object plus our signature: nothing else changed.
		const { signatures, ...body } = relayed!;
		const { signatures: originSignatures, ...originBody } = remoteResponse as KeyResponse;
		expect(body).toEqual(originBody);
		expect(signatures[REMOTE]).toEqual(originSignatures[REMOTE]);
	});

	it("serves cached keys, still countersigned, when the server has gone away", async () => {
		stubNetwork();
		await serverKeys(await call(`/_matrix/key/v2/query/${REMOTE}`));
		vi.restoreAllMocks(); // spying again on a spy would keep counting its earlier calls
		const network = vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
		// Fresh enough: straight from the cache.
		const [cached] = await serverKeys(await call(`/_matrix/key/v2/query/${REMOTE}`));
		expect(network).not.toHaveBeenCalled();
		expect(await signedBy(cached!, ME, await ourKeys())).toBe(true);
		// Asked for more validity than the cache has: a refetch is due but cannot succeed (it was fetched
		// moments ago, and the server is gone), so the cached response still answers.
		const later = Date.now() + 24 * 3_600_000;
		const [stale] = await serverKeys(await call(`/_matrix/key/v2/query/${REMOTE}?minimum_valid_until_ts=${later}`));
		expect(stale!.verify_keys).toEqual(remoteResponse.verify_keys);
		expect(await signedBy(stale!, REMOTE, remoteResponse as KeyResponse)).toBe(true);
	});

	it("keeps the exact response in D1, so a fresh isolate still answers while the server is down", async () => {
		stubNetwork();
		await serverKeys(await call(`/_matrix/key/v2/query/${REMOTE}`));
		vi.restoreAllMocks();
		clearKeyMemo(); // as after an isolate restart: only D1 remembers
		const network = vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
		const [fromD1] = await serverKeys(await call(`/_matrix/key/v2/query/${REMOTE}`));
		expect(network).not.toHaveBeenCalled();
		expect(fromD1!.verify_keys).toEqual(remoteResponse.verify_keys);
		expect(await signedBy(fromD1!, REMOTE, remoteResponse as KeyResponse)).toBe(true);
		expect(await signedBy(fromD1!, ME, await ourKeys())).toBe(true);
	});

	it("returns an empty list for a server that cannot be reached and was never cached", async () => {
		stubNetwork();
		expect(await serverKeys(await call("/_matrix/key/v2/query/gone.example"))).toEqual([]);
		// A private destination is not even tried.
		expect(await serverKeys(await call("/_matrix/key/v2/query/10.0.0.1"))).toEqual([]);
	});

	it("answers for ourselves with our own published key", async () => {
		const network = stubNetwork();
		const [own] = await serverKeys(await call(`/_matrix/key/v2/query/${encodeURIComponent(ME)}`));
		expect(network).not.toHaveBeenCalled();
		const published = await ourKeys();
		expect(own!.server_name).toBe(ME);
		expect(own!.verify_keys).toEqual(published.verify_keys);
		expect(await signedBy(own!, ME, published)).toBe(true);
	});

	it("refuses a malformed minimum_valid_until_ts", async () => {
		const res = await call(`/_matrix/key/v2/query/${REMOTE}?minimum_valid_until_ts=soon`);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ errcode: "M_INVALID_PARAM" });
	});
});

describe("POST /_matrix/key/v2/query", () => {
	function post(body: unknown): Promise<Response> {
		return call("/_matrix/key/v2/query", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
	}

	it("answers several servers at once, leaving out those it cannot reach", async () => {
		stubNetwork();
		const keys = await serverKeys(
			await post({ server_keys: { [REMOTE]: { [remoteKey.keyId]: { minimum_valid_until_ts: Date.now() } }, "gone.example": {} } }),
		);
		expect(keys.map((k) => k.server_name)).toEqual([REMOTE]);
		expect(await signedBy(keys[0]!, ME, await ourKeys())).toBe(true);
		expect(await signedBy(keys[0]!, REMOTE, remoteResponse as KeyResponse)).toBe(true);
	});

	it("returns an empty list when no servers are named", async () => {
		expect(await serverKeys(await post({ server_keys: {} }))).toEqual([]);
	});

	it("refuses a body without server_keys", async () => {
		const res = await post({ servers: [] });
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ errcode: "M_BAD_JSON" });
	});
});
