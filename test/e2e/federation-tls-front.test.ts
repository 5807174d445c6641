// FEDERATION_CA_FILE: a server behind a local TLS front, whose certificate a private CA signed, is reached
// over HTTPS by a server that trusts that CA, and by nobody else. hs2 sits behind the front (its server
// name is the front's address); hs1 trusts the CA and joins hs2's room through it; hs3, trusting another
// CA, cannot fetch hs2's keys. The CA and certificate are made here with openssl; the front is a tiny
// Node HTTPS proxy (test scaffolding standing in for a reverse proxy, not one of our components).
// Spec: https://spec.matrix.org/latest/server-server-api/#tls
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { startTlsFront, type TlsFront } from "./tls-front";

const BASE = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
let hs1: RunningServer;
let hs2: RunningServer;
let hs3: RunningServer;
let front: TlsFront;
let frontPort: number;
/** Three servers start at once: on a loaded machine that takes a while. */
const START_MS = 150_000;
let alice: Account;
let bob: Account;

/** A CA, and a certificate for 127.0.0.1/localhost that it signed, in `dir`. */
function makeCertificates(dir: string): { ca: string; otherCa: string; key: string; cert: string } {
	const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
	ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=sealbridge test CA");
	ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "front.key", "-out", "front.csr", "-subj", "/CN=127.0.0.1");
	writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
	ssl("x509", "-req", "-in", "front.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "front.pem", "-days", "2", "-extfile", "san.ext");
	// A second CA that signed nothing here: trusting it must not be enough.
	ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=another CA");
	return { ca: join(dir, "ca.pem"), otherCa: join(dir, "other.pem"), key: readFileSync(join(dir, "front.key"), "utf8"), cert: readFileSync(join(dir, "front.pem"), "utf8") };
}

async function call(server: RunningServer, who: Account | null, method: string, path: string, body?: unknown) {
	const res = await fetch(`${server.baseUrl}${path}`, {
		method,
		headers: { ...(who ? { authorization: `Bearer ${who.accessToken}` } : {}), "content-type": "application/json" },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Key IDs `via` could fetch for hs2 (through its notary endpoint, which fetches from hs2 directly). */
async function hs2KeysSeenBy(via: RunningServer): Promise<string[]> {
	const res = await call(via, null, "GET", `/_matrix/key/v2/query/${encodeURIComponent(hs2.serverName)}`);
	const keys = (res.body.server_keys as { server_name: string; verify_keys: Record<string, unknown> }[] | undefined) ?? [];
	return keys.filter((k) => k.server_name === hs2.serverName).flatMap((k) => Object.keys(k.verify_keys));
}

beforeAll(async () => {
	const dir = newStateDir("tls-front-certs");
	const certs = makeCertificates(dir);
	front = await startTlsFront(certs.key, certs.cert);
	frontPort = front.port;
	[hs1, hs2, hs3] = await Promise.all([
		startServer({ stateDir: newStateDir("tls-hs1"), env: { ...BASE, FEDERATION_CA_FILE: certs.ca }, startTimeoutMs: START_MS }),
		// hs2's name is the front's address: peers reach it only through TLS.
		startServer({ serverName: `127.0.0.1:${frontPort}`, stateDir: newStateDir("tls-hs2"), env: BASE, startTimeoutMs: START_MS }),
		startServer({ stateDir: newStateDir("tls-hs3"), env: { ...BASE, FEDERATION_CA_FILE: certs.otherCa }, startTimeoutMs: START_MS }),
	]);
	front.target = hs2.port;
	[alice, bob] = await Promise.all([register(hs2.baseUrl, "alice", "alice-password-1"), register(hs1.baseUrl, "bob", "bob-password-1")]);
}, 3 * START_MS);

afterAll(async () => {
	front?.server.close();
	await Promise.all([hs1?.stop(), hs2?.stop(), hs3?.stop()]);
});

describe("a peer behind a TLS front signed by a private CA", () => {
	it("the server that trusts the CA fetches its keys over HTTPS; one that trusts another certificate cannot", async () => {
		const own = (await call(hs2, null, "GET", "/_matrix/key/v2/server")).body.verify_keys as Record<string, unknown>;
		const before = front.hosts.length;
		expect(await hs2KeysSeenBy(hs1)).toEqual(Object.keys(own));
		expect(front.hosts.length).toBeGreaterThan(before);
		// hs3 trusts another CA: the front's certificate does not verify, so no keys.
		expect(await hs2KeysSeenBy(hs3)).toEqual([]);
	});

	it("bob@hs1 joins alice@hs2's room through the front and messages cross both ways", async () => {
		const created = await call(hs2, alice, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat" });
		expect(created.status).toBe(200);
		const roomId = created.body.room_id as string;
		const joined = await call(hs1, bob, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?via=${encodeURIComponent(hs2.serverName)}`, {});
		expect(joined.status, JSON.stringify(joined.body)).toBe(200);
		const bodies = async (server: RunningServer, who: Account) => {
			const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50`);
			return ((res.body.chunk as { type: string; content: { body?: string } }[] | undefined) ?? []).filter((e) => e.type === "m.room.message").map((e) => e.content.body);
		};
		expect((await call(hs1, bob, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t1`, { msgtype: "m.text", body: "over TLS" })).status).toBe(200);
		await eventually(async () => (await bodies(hs2, alice)).includes("over TLS"), "bob's message on hs2", 30_000);
		expect((await call(hs2, alice, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t2`, { msgtype: "m.text", body: "back over HTTP" })).status).toBe(200);
		await eventually(async () => (await bodies(hs1, bob)).includes("back over HTTP"), "alice's message on hs1", 30_000);
	});
});
