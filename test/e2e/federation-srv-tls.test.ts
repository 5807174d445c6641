// The SRV transport: a server found through `_matrix-fed._tcp` is reached at the SRV target's address and
// port, with the certificate checked for the server's own hostname and that hostname as the Host header.
// hs2 is `matrix.test`; a tiny DNS-over-HTTPS server (FEDERATION_DOH_URL) answers its SRV record with
// 127.0.0.1:<front port>, where a Node TLS front holds a certificate for `matrix.test` signed by a private
// CA that hs1 trusts (FEDERATION_CA_FILE). `wrong.test` points at the same front: its certificate is not
// valid for that name, so the TLS handshake must fail. The resolver and the front are test scaffolding
// standing in for DNS and a reverse proxy, not our components. Loopback SRV targets are accepted only with
// FEDERATION_INSECURE_LOOPBACK (refused in production).
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names (step 4)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { startTlsFront, type TlsFront } from "./tls-front";

const BASE = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
const START_MS = 150_000;
let hs1: RunningServer;
let hs2: RunningServer;
let front: TlsFront;
let doh: HttpServer;
let alice: Account;
const srvQueries: string[] = [];

/** A CA and a certificate for the DNS name `matrix.test` only, signed by it. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
	const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
	ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=sealbridge SRV test CA");
	ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "front.key", "-out", "front.csr", "-subj", "/CN=matrix.test");
	writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:matrix.test\nbasicConstraints=CA:FALSE\n");
	ssl("x509", "-req", "-in", "front.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "front.pem", "-days", "2", "-extfile", "san.ext");
	return { ca: join(dir, "ca.pem"), key: readFileSync(join(dir, "front.key"), "utf8"), cert: readFileSync(join(dir, "front.pem"), "utf8") };
}

/**
 * DoH JSON: SRV `_matrix-fed._tcp.{matrix,wrong}.test` → 127.0.0.1:`frontPort`; their A records private, so no
 * well-known is fetched. Listens on a port the system picks (read it from `server.address()`).
 */
function dohServer(frontPort: number): Promise<HttpServer> {
	const server = createHttpServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://doh");
		const name = url.searchParams.get("name") ?? "";
		const type = url.searchParams.get("type");
		let answer: { name: string; type: number; TTL: number; data: string }[] = [];
		if (type === "SRV") {
			srvQueries.push(name);
			if (name === "_matrix-fed._tcp.matrix.test" || name === "_matrix-fed._tcp.wrong.test") answer = [{ name, type: 33, TTL: 60, data: `10 5 ${frontPort} 127.0.0.1.` }];
		} else if (type === "A" && (name === "matrix.test" || name === "wrong.test")) {
			answer = [{ name, type: 1, TTL: 60, data: "10.0.0.7" }];
		}
		res.writeHead(200, { "content-type": "application/dns-json" });
		res.end(JSON.stringify({ Status: 0, Answer: answer }));
	});
	return new Promise((ok, fail) => {
		server.once("error", fail);
		server.listen(0, "127.0.0.1", () => ok(server));
	});
}

async function profileOf(userId: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(`${hs1.baseUrl}/_matrix/client/v3/profile/${encodeURIComponent(userId)}`);
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
	const certs = makeCertificates(newStateDir("srv-tls-certs"));
	front = await startTlsFront(certs.key, certs.cert);
	doh = await dohServer(front.port);
	const dohPort = (doh.address() as AddressInfo).port;
	[hs1, hs2] = await Promise.all([
		startServer({ stateDir: newStateDir("srv-hs1"), env: { ...BASE, FEDERATION_CA_FILE: certs.ca, FEDERATION_DOH_URL: `http://127.0.0.1:${dohPort}/dns-query` }, startTimeoutMs: START_MS }),
		// hs2 is `matrix.test`: peers find it only through the SRV record.
		startServer({ serverName: "matrix.test", stateDir: newStateDir("srv-hs2"), env: BASE, startTimeoutMs: START_MS }),
	]);
	front.target = hs2.port;
	alice = await register(hs2.baseUrl, "alice", "alice-password-1");
	const set = await fetch(`${hs2.baseUrl}/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`, {
		method: "PUT",
		headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": "application/json" },
		body: JSON.stringify({ displayname: "Alice via SRV" }),
	});
	expect(set.status).toBe(200);
}, 2 * START_MS);

afterAll(async () => {
	front?.server.close();
	doh?.close();
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("a server found through SRV, behind TLS for its own name", () => {
	it("is reached at the SRV target with the certificate checked for, and the Host header of, its hostname", async () => {
		expect(alice.userId).toBe("@alice:matrix.test");
		const res = await profileOf(alice.userId);
		expect(res, JSON.stringify(res.body)).toMatchObject({ status: 200, body: { displayname: "Alice via SRV" } });
		expect(srvQueries).toContain("_matrix-fed._tcp.matrix.test");
		expect(front.hosts).toContain("matrix.test");
		expect(front.handshakeErrors).toEqual([]);
	});

	it("its server keys are fetched the same way (hs1's notary endpoint asks matrix.test itself)", async () => {
		const own = (await (await fetch(`${hs2.baseUrl}/_matrix/key/v2/server`)).json()) as { verify_keys: Record<string, unknown> };
		const res = await fetch(`${hs1.baseUrl}/_matrix/key/v2/query/matrix.test`);
		const keys = ((await res.json()) as { server_keys: { server_name: string; verify_keys: Record<string, unknown> }[] }).server_keys;
		expect(keys.filter((k) => k.server_name === "matrix.test").flatMap((k) => Object.keys(k.verify_keys))).toEqual(Object.keys(own.verify_keys));
		expect(front.handshakeErrors).toEqual([]);
	});

	it("a name the certificate is not valid for fails the TLS handshake: no request gets through", async () => {
		const before = front.hosts.length;
		const res = await profileOf("@bob:wrong.test");
		expect(res.status).toBe(502);
		expect(srvQueries).toContain("_matrix-fed._tcp.wrong.test");
		expect(front.hosts.length).toBe(before);
		expect(front.handshakeErrors.length).toBeGreaterThan(0);
	});
});
