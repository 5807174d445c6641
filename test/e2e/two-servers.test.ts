// Two real servers started by the run contract (`npm start`) on 127.0.0.1, each with its own port,
// name and state. Each serves its own self-signed key, and each verifies the other's through the
// key-query (notary) API, which fetches the remote key over loopback HTTP and countersigns it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyJson } from "../../src/protocol/crypto/sign-json";
import { freePort, newStateDir, type RunningServer, startServer } from "./run-server";

interface ServerKeys {
	server_name: string;
	valid_until_ts: number;
	verify_keys: Record<string, { key: string }>;
	old_verify_keys: Record<string, { key: string; expired_ts: number }>;
	signatures: Record<string, Record<string, string>>;
}

const LOOPBACK = { FEDERATION_INSECURE_LOOPBACK: "true" };
let hs1: RunningServer;
let hs2: RunningServer;

async function keysOf(server: RunningServer): Promise<ServerKeys> {
	const res = await fetch(`${server.baseUrl}/_matrix/key/v2/server`);
	expect(res.status).toBe(200);
	return (await res.json()) as ServerKeys;
}

/** Checks a key response's signature by `signer` with the key `signerKeys` publishes. */
async function signedBy(obj: ServerKeys, signer: string, signerKeys: ServerKeys): Promise<boolean> {
	const [keyId, { key }] = Object.entries(signerKeys.verify_keys)[0]!;
	return (await verifyJson({ ...obj }, signer, keyId, key)) === undefined;
}

beforeAll(async () => {
	[hs1, hs2] = await Promise.all([
		startServer({ stateDir: newStateDir("hs1"), env: LOOPBACK }),
		startServer({ stateDir: newStateDir("hs2"), env: LOOPBACK }),
	]);
});

afterAll(async () => {
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("two servers by the run contract", () => {
	it("each serves versions and its own self-signed key under its own name", async () => {
		const [k1, k2] = await Promise.all([keysOf(hs1), keysOf(hs2)]);
		expect(k1.server_name).toBe(hs1.serverName);
		expect(k2.server_name).toBe(hs2.serverName);
		expect(await signedBy(k1, hs1.serverName, k1)).toBe(true);
		expect(await signedBy(k2, hs2.serverName, k2)).toBe(true);
		// Independent state: each generated its own key.
		expect(Object.values(k1.verify_keys)[0]!.key).not.toBe(Object.values(k2.verify_keys)[0]!.key);
		// A tampered copy no longer verifies.
		expect(await signedBy({ ...k1, valid_until_ts: k1.valid_until_ts + 1 }, hs1.serverName, k1)).toBe(false);
		const versions = (await (await fetch(`${hs1.baseUrl}/_matrix/client/versions`)).json()) as { versions: string[] };
		expect(versions.versions.length).toBeGreaterThan(0);
	});

	it("each verifies the other's key: the notary answer carries both signatures", async () => {
		for (const [asker, target] of [
			[hs1, hs2],
			[hs2, hs1],
		] as const) {
			const res = await fetch(`${asker.baseUrl}/_matrix/key/v2/query/${encodeURIComponent(target.serverName)}`);
			expect(res.status).toBe(200);
			const { server_keys } = (await res.json()) as { server_keys: ServerKeys[] };
			expect(server_keys).toHaveLength(1);
			const fetched = server_keys[0]!;
			const [askerKeys, targetKeys] = await Promise.all([keysOf(asker), keysOf(target)]);
			expect(fetched.server_name).toBe(target.serverName);
			expect(fetched.verify_keys).toEqual(targetKeys.verify_keys);
			expect(await signedBy(fetched, target.serverName, targetKeys)).toBe(true);
			expect(await signedBy(fetched, asker.serverName, askerKeys)).toBe(true);
		}
	});

	it("a notary query for a server that is not there returns no keys", async () => {
		const closed = await freePort();
		const res = await fetch(`${hs1.baseUrl}/_matrix/key/v2/query/${encodeURIComponent(`127.0.0.1:${closed}`)}`);
		expect(res.status).toBe(200);
		expect(((await res.json()) as { server_keys: unknown[] }).server_keys).toEqual([]);
	});

	it("keeps its key across a restart on the same state", async () => {
		const before = await keysOf(hs1);
		await hs1.stop();
		hs1 = await startServer({ port: hs1.port, stateDir: hs1.stateDir, env: LOOPBACK });
		const after = await keysOf(hs1);
		expect(after.verify_keys).toEqual(before.verify_keys);
	});

	it("names itself localhost:PORT when SERVER_NAME is not set", async () => {
		const hs3 = await startServer({ serverName: null, stateDir: newStateDir("hs3") });
		try {
			expect((await keysOf(hs3)).server_name).toBe(`localhost:${hs3.port}`);
		} finally {
			await hs3.stop();
		}
	});
});
