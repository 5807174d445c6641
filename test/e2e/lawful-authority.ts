// The authority's and the operators' side of the lawful-access API, for e2e tests that drive a server over
// HTTP: a fresh authority key with its trust store, a signed order, two operator approvals, the RFC 9421-signed
// status poll and the single signed retrieval. It goes through the same routes an authority would.
import canonicalize from "canonicalize";
import { httpbis } from "http-message-signatures";
import { CompactSign, exportJWK, generateKeyPair } from "jose";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface TestAuthority {
	id: string;
	kid: string;
	privateKey: CryptoKey;
	/** The LAWFUL_TRUST_STORE JSON naming this authority's key. */
	trustStore: string;
}

export async function newAuthority(id = "us-fbi", kid = "fbi-test-1"): Promise<TestAuthority> {
	const { privateKey, publicKey } = await generateKeyPair("Ed25519", { extractable: true });
	const pub = await exportJWK(publicKey);
	const now = Date.now();
	const store = {
		authorities: [
			{
				id,
				name: `Authority ${id}`,
				country: "US",
				regimes: ["US-SCA"],
				allowedLegalBases: ["US-18USC2703d"],
				allowedRequestTypes: ["SubscriberData", "UserIdentifyingData", "TrafficData"],
				maxTargetsPerOrder: 5,
				maxWindowDays: 180,
				maxOrderLifetimeDays: 30,
				verificationContact: { name: "Duty officer", phone: "+12025550100" },
				keys: [{ kid, jwk: pub, notBefore: iso(now - DAY), notAfter: iso(now + 365 * DAY), status: "active" }],
			},
		],
	};
	return { id, kid, privateKey, trustStore: JSON.stringify(store) };
}

export interface OrderTask {
	ldid: string;
	type: "SubscriberData" | "UserIdentifyingData" | "TrafficData";
	subtypes?: string[];
	target: string;
	window?: { start: number; end: number };
}

/** A compact JWS order (JCS payload) from `authority` to `serverName`. */
export async function signOrder(authority: TestAuthority, serverName: string, reference: string, tasks: OrderTask[]): Promise<string> {
	const now = Date.now();
	const order = {
		header: { senderIdentifier: { countryCode: "US", uniqueIdentifier: authority.id }, receiverIdentifier: { countryCode: "XX", uniqueIdentifier: serverName }, transactionIdentifier: crypto.randomUUID(), timestamp: iso(now) },
		authorisation: {
			authorisationReference: reference,
			legalBasis: "US-18USC2703d",
			jurisdiction: "US",
			timespan: { startTime: iso(now - 60_000), endTime: iso(now + 7 * DAY) },
			approvalDetails: [{ approverName: "Hon. J. Doe", approverRole: "Magistrate Judge", approvalTimestamp: iso(now - 60_000) }],
		},
		tasks: tasks.map((t) => ({
			kind: "LD",
			reference: t.ldid,
			requestDetails: {
				type: t.type,
				...(t.subtypes ? { subtypes: t.subtypes } : {}),
				...(t.window ? { startTime: iso(t.window.start), endTime: iso(t.window.end) } : {}),
				requestValues: [{ formatType: "ServiceAccessIdentifier", value: t.target }],
			},
		})),
	};
	return new CompactSign(new TextEncoder().encode(canonicalize(order))).setProtectedHeader({ alg: "EdDSA", kid: authority.kid, typ: "lawful-order+jws" }).sign(authority.privateKey);
}

/** POST the order; returns its orderId (throws on any refusal). */
export async function submitOrder(baseUrl: string, jws: string): Promise<string> {
	const res = await fetch(`${baseUrl}/_lawful/v1/orders`, { method: "POST", body: jws, headers: { "content-type": "application/jose" } });
	const text = await res.text();
	if (res.status !== 202) throw new Error(`order refused: ${res.status} ${text}`);
	return (JSON.parse(text) as { orderId: string }).orderId;
}

/** One operator's approval with a reason; returns the HTTP status. */
export async function approveAs(baseUrl: string, operatorToken: string, orderId: string, reason: string): Promise<number> {
	const res = await fetch(`${baseUrl}/_lawful/v1/admin/orders/${orderId}/approve`, { method: "POST", headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" }, body: JSON.stringify({ reason }) });
	await res.body?.cancel();
	return res.status;
}

/**
 * A GET signed with the authority's key as RFC 9421 (http-message-signatures, as an authority's own client
 * would be; the server's twin is src/export/authority-auth/sign-request.ts): @method, @target-uri, created,
 * expires, a fresh nonce, keyid, alg.
 */
export async function signedGet(authority: TestAuthority, url: string): Promise<Response> {
	const created = new Date();
	const signed = await httpbis.signMessage(
		{
			key: { id: authority.kid, alg: "ed25519", sign: async (data: Uint8Array) => Buffer.from(await crypto.subtle.sign("Ed25519", authority.privateKey, new Uint8Array(data))) },
			fields: ["@method", "@target-uri"],
			params: ["created", "expires", "nonce", "keyid", "alg"],
			paramValues: { created, expires: new Date(created.getTime() + 300_000), nonce: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url") },
			name: "sig1",
		},
		{ method: "GET", url, headers: {} },
	);
	const headers: Record<string, string> = {};
	for (const [k, v] of Object.entries(signed.headers)) if (typeof v === "string") headers[k] = v;
	return fetch(url, { headers });
}

/** Polls the signed status until production is done; returns the one-time delivery URL. */
export async function waitForDelivery(authority: TestAuthority, baseUrl: string, orderId: string, timeoutMs = 60_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const res = await signedGet(authority, `${baseUrl}/_lawful/v1/orders/${orderId}`);
		const body = (await res.json()) as { status?: string; delivery?: { url: string }; progress?: unknown };
		if (body.delivery) return body.delivery.url;
		if (Date.now() > deadline) throw new Error(`no package within ${timeoutMs} ms: ${JSON.stringify(body)}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}
