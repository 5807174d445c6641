// The `authority` auth kind end to end inside workerd: the real AUTH_MIDDLEWARES with a trust store from
// LAWFUL_TRUST_STORE, a signed request passes and names the authority, a replayed nonce is refused and
// audited, unsigned and unknown-key requests get 401 LA_* bodies.

import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { AUDIT_LOG_NAME } from "../../src/export/audit/audit-log-do";
import { signAuthorityRequest } from "../../src/export/authority-auth/sign-request";
import { buildApp } from "../../src/worker/app";
import type { Endpoint } from "../../src/worker/http/endpoint";

const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const priv = await exportJWK(privateKey);
const pub = await exportJWK(publicKey);
const jwk = { kty: "OKP", crv: "Ed25519", x: pub.x ?? "" };
const privJwk = { ...jwk, d: priv.d };

const trust = {
	authorities: [
		{
			id: "us-fbi",
			name: "FBI",
			country: "US",
			regimes: ["US-SCA"],
			allowedLegalBases: ["US-18USC2703d"],
			allowedRequestTypes: ["SubscriberData"],
			maxTargetsPerOrder: 5,
			maxWindowDays: 90,
			maxOrderLifetimeDays: 30,
			verificationContact: { name: "Duty officer" },
			keys: [{ kid: "fbi-2026", jwk, notBefore: "2020-01-01T00:00:00Z", notAfter: "2099-01-01T00:00:00Z", status: "active" }],
		},
	],
};
const trustEnv: Env = Object.assign({}, env, { LAWFUL_TRUST_STORE: JSON.stringify(trust) });

const table: Endpoint[] = [
	{ method: "GET", path: "/_lawful/v1/test/whoami", auth: "authority", rateLimit: null, handler: (c) => c.json(c.get("authority")) },
];
const app = buildApp(table);
const URL1 = "http://localhost:8787/_lawful/v1/test/whoami";

async function call(headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await app.fetch(new Request(URL1, { headers }), trustEnv, createExecutionContext());
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("authority auth middleware", () => {
	it("accepts a signed request once and refuses (and audits) the replay", async () => {
		const headers = await signAuthorityRequest("GET", URL1, { kid: "fbi-2026", jwk: privJwk }, { created: Date.now(), nonce: "nonce-0123456789abcdef" });
		expect(await call(headers)).toEqual({ status: 200, body: { authorityId: "us-fbi", kid: "fbi-2026" } });
		const replay = await call(headers);
		expect(replay).toMatchObject({ status: 409, body: { code: "LA_NONCE_REPLAY" } });
		const entries = await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).entries(0, 100);
		expect(entries.at(-1)).toMatchObject({ type: "access", action: "authority-request-refused", actor: "authority:us-fbi/fbi-2026", result: "LA_NONCE_REPLAY" });
	});

	it("refuses unsigned requests and unknown keys with 401 LA_* bodies, without auditing strangers", async () => {
		const before = (await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).head()).seq;
		expect(await call({})).toMatchObject({ status: 401, body: { code: "LA_UNAUTHENTICATED" } });
		const stranger = await signAuthorityRequest("GET", URL1, { kid: "nobody", jwk: privJwk }, { created: Date.now(), nonce: "nonce-stranger-000000" });
		expect(await call(stranger)).toMatchObject({ status: 401, body: { code: "LA_KEY_UNKNOWN" } });
		expect((await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).head()).seq).toBe(before);
	});

	it("refuses a request whose signature covers another path", async () => {
		const headers = await signAuthorityRequest("GET", `${URL1}x`, { kid: "fbi-2026", jwk: privJwk }, { created: Date.now(), nonce: "nonce-otherpath-0000" });
		expect(await call(headers)).toMatchObject({ status: 401, body: { code: "LA_SIG_INVALID" } });
	});
});
