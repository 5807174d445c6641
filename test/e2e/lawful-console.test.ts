// The operator console end to end in Debian's headless Chromium (playwright-core): a real server started by
// the run contract with a trust store, two operators created with the admin CLI, an order signed by the
// authority's key and submitted over HTTP; each operator signs in, approves with a reason, and sees the
// state change. The same operator approving twice is refused on the page.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import canonicalize from "canonicalize";
import { CompactSign, exportJWK, generateKeyPair } from "jose";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, newStateDir, type RunningServer, startServer } from "./run-server";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let server: RunningServer;
let browser: Browser;
let orderId: string;

function admin(args: string[], env: Record<string, string>): void {
	const root = resolve(".");
	const run = spawnSync(process.execPath, [join(root, "scripts/admin.mjs"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
	if (run.status !== 0) throw new Error(`admin ${args[0]} failed: ${run.stderr}`);
}

beforeAll(async () => {
	const stateDir = newStateDir("console");
	const port = await freePort();
	const serverName = `127.0.0.1:${port}`;
	const env = { STATE_DIR: stateDir, PORT: String(port), SERVER_NAME: serverName };
	admin(["create-user", "opal", "--password", "opal-password", "--operator"], env);
	admin(["create-user", "otto", "--password", "otto-password", "--operator"], env);
	const { privateKey, publicKey } = await generateKeyPair("Ed25519", { extractable: true });
	const now = Date.now();
	const trust = {
		authorities: [
			{
				id: "us-fbi",
				name: "Authority us-fbi",
				country: "US",
				regimes: ["US-SCA"],
				allowedLegalBases: ["US-18USC2703d"],
				allowedRequestTypes: ["SubscriberData", "TrafficData"],
				maxTargetsPerOrder: 3,
				maxWindowDays: 180,
				maxOrderLifetimeDays: 30,
				verificationContact: { name: "Duty officer", phone: "+12025550100" },
				keys: [{ kid: "fbi-1", jwk: await exportJWK(publicKey), notBefore: iso(now - DAY), notAfter: iso(now + 365 * DAY), status: "active" }],
			},
		],
	};
	// The trust store goes in through the operators' API: scripts/start.mjs's env file currently mangles JSON
	// values (double-quoted dotenv keeps the backslashes), so LAWFUL_TRUST_STORE cannot be passed that way.
	server = await startServer({ port, stateDir, serverName });
	const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "opal" }, password: "opal-password" }),
	});
	const { access_token: token } = (await login.json()) as { access_token: string };
	const put = await fetch(`${server.baseUrl}/_lawful/v1/admin/trust`, {
		method: "PUT",
		headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
		body: JSON.stringify({ store: trust, reason: "console test authority" }),
	});
	if (put.status !== 200) throw new Error(`trust store refused: ${await put.text()}`);
	const order = {
		header: { senderIdentifier: { countryCode: "US", uniqueIdentifier: "us-fbi" }, receiverIdentifier: { countryCode: "XX", uniqueIdentifier: serverName }, transactionIdentifier: crypto.randomUUID(), timestamp: iso(now) },
		authorisation: {
			authorisationReference: "CASE-CONSOLE-1",
			legalBasis: "US-18USC2703d",
			jurisdiction: "US",
			timespan: { startTime: iso(now - DAY), endTime: iso(now + 10 * DAY) },
			approvalDetails: [{ approverName: "Hon. J. Doe", approverRole: "Magistrate Judge", approvalTimestamp: iso(now - 3600_000) }],
		},
		tasks: [{ kind: "LD", reference: "LDID-C1", requestDetails: { type: "SubscriberData", requestValues: [{ formatType: "ServiceAccessIdentifier", value: `@opal:${serverName}` }] } }],
	};
	const jws = await new CompactSign(new TextEncoder().encode(canonicalize(order)!)).setProtectedHeader({ alg: "EdDSA", kid: "fbi-1", typ: "lawful-order+jws" }).sign(privateKey);
	const res = await fetch(`${server.baseUrl}/_lawful/v1/orders`, { method: "POST", body: jws, headers: { "content-type": "application/jose" } });
	const body = (await res.json()) as { orderId: string };
	if (res.status !== 202) throw new Error(`order refused: ${JSON.stringify(body)}`);
	orderId = body.orderId;
	browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

async function signIn(page: Page, user: string, password: string): Promise<void> {
	await page.goto(`${server.baseUrl}/_lawful/console`);
	await page.fill("#username", user);
	await page.fill("#password", password);
	await Promise.all([page.waitForURL(`${server.baseUrl}/_lawful/console`), page.click("#login")]);
}

async function approveOn(page: Page, reason: string): Promise<void> {
	const order = page.locator(`#order-${orderId}`);
	await order.locator("input.reason").fill(reason);
	await Promise.all([page.waitForLoadState("load"), order.locator("button.approve").click()]);
}

describe("operator console in Chromium", () => {
	it("refuses a wrong password and keeps the session cookie away from script", async () => {
		const page = await browser.newPage();
		await page.goto(`${server.baseUrl}/_lawful/console`);
		await page.fill("#username", "opal");
		await page.fill("#password", "wrong");
		await page.click("#login");
		await expect(page.locator("#error").textContent()).resolves.toContain("wrong password");
		await signIn(page, "opal", "opal-password");
		expect(await page.evaluate(() => document.cookie)).toBe("");
		await page.close();
	});

	it("two operators sign in and approve; the page shows the scope and the state change", async () => {
		const opal = await (await browser.newContext()).newPage();
		await signIn(opal, "opal", "opal-password");
		const card = opal.locator(`#order-${orderId}`);
		await expect(card.getAttribute("data-status")).resolves.toBe("AwaitingApproval");
		const text = (await card.textContent()) ?? "";
		expect(text).toContain("SubscriberData");
		expect(text).toContain("CASE-CONSOLE-1");
		await approveOn(opal, "checked the court order reference");
		await expect(opal.locator(`#order-${orderId} .decisions`).textContent()).resolves.toContain("checked the court order reference");
		await expect(opal.locator(`#order-${orderId}`).getAttribute("data-status")).resolves.toBe("AwaitingApproval");

		// The same operator again: refused, shown on the page, state unchanged.
		await approveOn(opal, "approving once more");
		await expect(opal.locator("#error").textContent()).resolves.toContain("LA_SAME_OPERATOR");

		const otto = await (await browser.newContext()).newPage();
		await signIn(otto, "otto", "otto-password");
		await approveOn(otto, "second review: scope is subscriber data only");
		const status = await otto.locator(`#order-${orderId}`).getAttribute("data-status");
		expect(["Approved", "Producing", "AwaitingDisclosure"]).toContain(status);
		await opal.reload();
		await expect(opal.locator(`#order-${orderId}`).getAttribute("data-status")).resolves.not.toBe("AwaitingApproval");
	});
});
