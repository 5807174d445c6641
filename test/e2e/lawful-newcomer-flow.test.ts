// The README's "Lawful access → Try it locally" walk-through, end to end, through the CLIs and HTTP only:
// an authority key (lawful CLI), accounts made with the admin CLI on the stopped server's state, a server
// started by the run contract with LAWFUL_TRUST_STORE naming that key, an order signed and submitted with
// the CLI, two approvals by two different operators over the operator API, then the authority's signed
// status read and single signed retrieval (a second one is refused), verify-package offline, audit verify.
// Nothing reaches into the server's storage: if a step here breaks, the README is wrong too.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, newStateDir, type RunningServer, startServer } from "./run-server";

const DAY = 86_400_000;
const root = resolve(".");
let server: RunningServer;
let stateDir: string;
let serverName: string;
let keyFile: string;
let orderId: string;
let deliveryUrl: string;
let operatorToken: string;

/** Runs one of our CLIs (what `npm run <script> -- …` runs); returns its exit status and output. */
function cli(script: "admin" | "lawful", args: string[], env: Record<string, string> = {}): { status: number; out: string } {
	const run = spawnSync(process.execPath, [join(root, `scripts/${script}.mjs`), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
	return { status: run.status ?? -1, out: `${run.stdout}${run.stderr}` };
}

function ok(script: "admin" | "lawful", args: string[], env: Record<string, string> = {}): string {
	const run = cli(script, args, env);
	if (run.status !== 0) throw new Error(`${script} ${args.slice(0, 2).join(" ")} failed (${run.status}):\n${run.out}`);
	return run.out;
}

async function login(user: string, password: string): Promise<string> {
	const res = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
	});
	if (!res.ok) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
	return ((await res.json()) as { access_token: string }).access_token;
}

async function clientPost(token: string, path: string, body: unknown): Promise<Record<string, unknown>> {
	const res = await fetch(`${server.baseUrl}/_matrix/client/v3${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as Record<string, unknown>;
}

function signAndSubmit(reference: string, extra: string[] = []): string {
	const orderFile = join(stateDir, `${reference}.jws`);
	const now = Date.now();
	ok("lawful", ["order", "sign", "--key", keyFile, "--sender", "us-fbi", "--receiver", serverName, "--legal-basis", "US-18USC2703d", "--reference", reference, "--type", "TrafficData", "--target", `@alice:${serverName}`, "--start", new Date(now - DAY).toISOString(), "--end", new Date(now + 60_000).toISOString(), "--out", orderFile, ...extra]);
	const out = ok("lawful", ["order", "submit", orderFile, "--server", server.baseUrl]);
	expect(out).toMatch(/^202 /);
	const body = JSON.parse(out.slice(4)) as { orderId: string; status: string };
	expect(body.status).toBe("AwaitingApproval");
	return body.orderId;
}

function approve(id: string, token: string, reason: string): Promise<Response> {
	return fetch(`${server.baseUrl}/_lawful/v1/admin/orders/${id}/approve`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ reason }) });
}

/** The authority's signed status reads until the package is ready; returns the status with its one-time URL. */
async function waitForDelivery(id: string): Promise<{ status: string; delivery: { url: string; encryption?: { alg: string; kid: string } } }> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const status = JSON.parse(ok("lawful", ["order", "status", id, "--key", keyFile, "--server", server.baseUrl])) as { status: string; delivery?: { url: string } };
		if (status.delivery) return status as { status: string; delivery: { url: string } };
		if (Date.now() > deadline) throw new Error(`no package after 60 s: ${JSON.stringify(status)}`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

beforeAll(async () => {
	stateDir = newStateDir("newcomer");
	const port = await freePort();
	serverName = `127.0.0.1:${port}`;
	const env = { STATE_DIR: stateDir, PORT: String(port), SERVER_NAME: serverName };
	keyFile = join(stateDir, "authority.jwk");
	const publicJwk: unknown = JSON.parse(ok("lawful", ["authority", "keygen", "--kid", "fbi-2026-1", "--out", keyFile]));
	const now = Date.now();
	const trustStore = {
		authorities: [
			{
				id: "us-fbi",
				name: "FBI (test authority)",
				country: "US",
				regimes: ["US-SCA"],
				allowedLegalBases: ["US-18USC2703d"],
				allowedRequestTypes: ["SubscriberData", "UserIdentifyingData", "TrafficData"],
				maxTargetsPerOrder: 5,
				maxWindowDays: 180,
				maxOrderLifetimeDays: 30,
				verificationContact: { name: "Duty officer's desk", phone: "+12025550100" },
				keys: [{ kid: "fbi-2026-1", jwk: publicJwk, notBefore: new Date(now - DAY).toISOString(), notAfter: new Date(now + 365 * DAY).toISOString(), status: "active" }],
			},
		],
	};
	// The admin CLI writes the stopped server's state: accounts first, then start.
	for (const name of ["opal", "otto"]) ok("admin", ["create-user", name, "--password", `${name}-password`, "--operator"], env);
	ok("admin", ["create-user", "alice", "--password", "alice-password"], env);
	server = await startServer({ port, stateDir, serverName, env: { LAWFUL_TRUST_STORE: JSON.stringify(trustStore) } });
}, 120_000);

afterAll(async () => {
	await server?.stop();
});

describe("the README's lawful-access walk-through", () => {
	it("the target has some activity: a room and a message", async () => {
		const alice = await login("alice", "alice-password");
		const { room_id: roomId } = await clientPost(alice, "/createRoom", { name: "newcomer room" });
		const put = await fetch(`${server.baseUrl}/_matrix/client/v3/rooms/${encodeURIComponent(String(roomId))}/send/m.room.message/t1`, {
			method: "PUT",
			headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
			body: JSON.stringify({ msgtype: "m.text", body: "NEWCOMER secret words" }),
		});
		expect(put.status).toBe(200);
	});

	it("an order signed with the CLI is accepted by order submit", () => {
		orderId = signAndSubmit("CASE-NEWCOMER-1");
	});

	it("two different operators approve it over the operator API; the same one twice is refused", async () => {
		operatorToken = await login("opal", "opal-password");
		const queue = (await (await fetch(`${server.baseUrl}/_lawful/v1/admin/queue`, { headers: { authorization: `Bearer ${operatorToken}` } })).json()) as { orders: { orderId: string }[] };
		expect(queue.orders.map((o) => o.orderId)).toContain(orderId);
		expect((await approve(orderId, operatorToken, "case reference checked with the duty desk")).status).toBe(200);
		const again = await approve(orderId, operatorToken, "once more");
		expect(((await again.json()) as { code: string }).code).toBe("LA_SAME_OPERATOR");
		const second = await approve(orderId, await login("otto", "otto-password"), "second review: scope is one account, 1 day");
		expect(second.status).toBe(200);
	});

	it("the authority's signed status read gives a one-time URL once production is done", async () => {
		const status = await waitForDelivery(orderId);
		expect(status.status).toBe("AwaitingDisclosure");
		expect(status.delivery.encryption).toBeUndefined();
		deliveryUrl = status.delivery.url;
	});

	it("the package is retrieved once with a signed request; a second retrieval is refused", () => {
		const zip = join(stateDir, "package.zip");
		expect(ok("lawful", ["order", "retrieve", deliveryUrl, "--key", keyFile, "--out", zip])).toContain("package written");
		const second = cli("lawful", ["order", "retrieve", deliveryUrl, "--key", keyFile, "--out", join(stateDir, "again.zip")]);
		expect(second.status).toBe(1);
		expect(second.out).toContain("LA_GONE");
		expect(readFileSync(zip).includes("NEWCOMER secret words")).toBe(false);
	});

	it("verify-package passes offline with the saved provider JWKS", async () => {
		const jwksFile = join(stateDir, "provider-keys.json");
		writeFileSync(jwksFile, await (await fetch(`${server.baseUrl}/_lawful/v1/provider-keys`)).text());
		const out = ok("lawful", ["verify-package", join(stateDir, "package.zip"), "--jwks", jwksFile]);
		expect(out).toContain("package verified");
	});

	it("audit verify recomputes the chain and passes", () => {
		const out = ok("lawful", ["audit", "verify", "--server", server.baseUrl, "--token", operatorToken]);
		expect(out).toContain("audit log intact");
	});
});

describe("an order naming a recipientKey (README: encrypted delivery)", () => {
	let recipientFile: string;
	let sealedFile: string;
	let jwksFile: string;

	it("is delivered as a JWE to that key", async () => {
		recipientFile = join(stateDir, "recipient.jwk");
		const publicFile = join(stateDir, "recipient.pub.jwk");
		writeFileSync(publicFile, ok("lawful", ["authority", "keygen", "--kid", "fbi-recipient-1", "--out", recipientFile, "--alg", "ECDH-ES"]));
		const id = signAndSubmit("CASE-NEWCOMER-2", ["--recipient-key", publicFile]);
		expect((await approve(id, operatorToken, "first review")).status).toBe(200);
		expect((await approve(id, await login("otto", "otto-password"), "second review")).status).toBe(200);
		const status = await waitForDelivery(id);
		expect(status.delivery.encryption).toMatchObject({ alg: "ECDH-ES+A256KW", kid: "fbi-recipient-1" });
		sealedFile = join(stateDir, "package.zip.jwe");
		expect(ok("lawful", ["order", "retrieve", status.delivery.url, "--key", keyFile, "--out", sealedFile])).toContain("JWE");
		const bytes = readFileSync(sealedFile);
		expect(bytes.subarray(0, 2).toString()).not.toBe("PK");
		expect(bytes.includes("NEWCOMER secret words")).toBe(false);
	});

	it("verify-package opens it only with the recipient's private key, then checks the bag", async () => {
		jwksFile = join(stateDir, "provider-keys.json");
		const without = cli("lawful", ["verify-package", sealedFile, "--jwks", jwksFile]);
		expect(without.status).toBe(1);
		expect(without.out).toContain("give its private JWK with --key");
		const otherFile = join(stateDir, "other.jwk");
		ok("lawful", ["authority", "keygen", "--kid", "fbi-recipient-1", "--out", otherFile, "--alg", "ECDH-ES"]);
		expect(cli("lawful", ["verify-package", sealedFile, "--jwks", jwksFile, "--key", otherFile]).status).toBe(1);
		const zipFile = join(stateDir, "decrypted.zip");
		const out = ok("lawful", ["verify-package", sealedFile, "--jwks", jwksFile, "--key", recipientFile, "--out", zipFile]);
		expect(out).toContain("decryption (JWE to the order's recipientKey): ECDH-ES+A256KW + A256GCM, kid fbi-recipient-1");
		expect(out).toContain("package verified");
		// The decrypted ZIP is a package in its own right.
		expect(ok("lawful", ["verify-package", zipFile, "--jwks", jwksFile])).toContain("package verified");
	});
});

describe("trust add-authority (design: CLIs)", () => {
	it("adds one authority as a new trust store version; the same id again is refused", () => {
		const file = join(stateDir, "authority-uk.json");
		const publicJwk: unknown = JSON.parse(ok("lawful", ["authority", "keygen", "--kid", "uk-nca-1", "--out", join(stateDir, "uk.jwk"), "--alg", "ES256"]));
		const now = Date.now();
		writeFileSync(file, JSON.stringify({
			id: "uk-nca", name: "NCA (test authority)", country: "GB", regimes: ["UK-IPA"], allowedLegalBases: ["UK-IPA-s61"], allowedRequestTypes: ["SubscriberData"],
			maxTargetsPerOrder: 1, maxWindowDays: 30, maxOrderLifetimeDays: 30, verificationContact: { name: "NCA desk", phone: "+442079460000" },
			keys: [{ kid: "uk-nca-1", jwk: publicJwk, notBefore: new Date(now - DAY).toISOString(), notAfter: new Date(now + 365 * DAY).toISOString(), status: "active" }],
		}));
		const auth = ["--server", server.baseUrl, "--token", operatorToken];
		expect(ok("lawful", ["trust", "add-authority", file, "--reason", "MoU signed", ...auth])).toContain("authority uk-nca added");
		const listed = ok("lawful", ["trust", "list", ...auth]);
		expect(listed).toContain("uk-nca\tGB");
		expect(listed).toContain("us-fbi\tUS");
		const again = cli("lawful", ["trust", "add-authority", file, "--reason", "twice", ...auth]);
		expect(again.status).toBe(1);
		expect(again.out).toContain("already in the trust store");
	});
});
