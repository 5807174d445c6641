// The transparency report inside workerd: counts derived from audit entries of one half-year, signed with
// the provider key, and the signature verifies with the published JWKS.

import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit } from "../../src/export/audit/append";
import type { AuditInput } from "../../src/export/audit/entry";
import { type ProviderJwks, verifyProviderJws } from "../../src/export/keys/jwks";
import { parsePeriod, type TransparencyReport } from "../../src/export/transparency/report";
import { app } from "../../src/worker/app";

const base: AuditInput = { type: "order", action: "submitted", orderId: null, orderSha256: "aa".repeat(32), actor: "authority:us-fbi/k1", reason: null, legalProvision: "US-18USC2703d", issuer: "us-fbi", result: "ok" };
const scope = { targets: 2, categories: ["SubscriberData"], emergency: false, nonDisclosure: true, preservations: 0 };
const H1 = Date.UTC(2026, 2, 1);

async function get(path: string): Promise<Response> {
	return app.fetch(new Request(`http://localhost:8787${path}`), env, createExecutionContext());
}

describe("transparency report", () => {
	it("parses half-year periods", () => {
		expect(parsePeriod("2026-H2")).toEqual({ name: "2026-H2", start: Date.UTC(2026, 6, 1), end: Date.UTC(2027, 0, 1) });
		expect(parsePeriod("2026-H3")).toBeNull();
	});

	it("counts the half-year's entries, signs the report, and the signature verifies with the JWKS", async () => {
		await appendAudit(env, { ...base, orderId: "o1", scope }, H1);
		await appendAudit(env, { ...base, orderId: "o2", legalProvision: "US-18USC2703c2", scope: { ...scope, targets: 1, nonDisclosure: false, emergency: true } }, H1 + 1);
		await appendAudit(env, { ...base, result: "LA_CONTENT_NOT_PROVIDED", scope: { ...scope, categories: ["StoredContentData"] } }, H1 + 2);
		await appendAudit(env, { ...base, result: "LA_SIG_INVALID" }, H1 + 3);
		await appendAudit(env, { ...base, type: "production", action: "completed", orderId: "o1", packageSha256: "bb".repeat(32) }, H1 + 4);
		await appendAudit(env, { ...base, type: "delivery", action: "retrieved", orderId: "o1" }, H1 + 5);
		await appendAudit(env, { ...base, type: "notice", action: "sent", orderId: "o1", actor: "system:notices" }, H1 + 6);
		await appendAudit(env, { ...base, type: "delivery", action: "deleted", orderId: "o2", reason: "expired", actor: "system:expiry" }, H1 + 7);
		// Outside the period: not counted.
		await appendAudit(env, { ...base, orderId: "o3", scope }, Date.UTC(2026, 7, 1));

		const res = await get("/_lawful/v1/transparency/2026-H1");
		expect(res.status).toBe(200);
		const { report, jws } = (await res.json()) as { report: TransparencyReport; jws: string };
		expect(report).toMatchObject({
			period: "2026-H1",
			complete: true,
			requests: 4,
			accepted: 2,
			accountsSpecified: 3,
			producedPercent: 50,
			rejectedByCode: { LA_CONTENT_NOT_PROVIDED: 1, LA_SIG_INVALID: 1 },
			byLegalBasis: { "US-18USC2703d": 1, "US-18USC2703c2": 1 },
			contentRequests: { requested: 1, produced: 0 },
			emergencies: 1,
			nonDisclosurePercent: 50,
			notificationsSent: 1,
			packages: { retrieved: 1, expired: 1 },
			auditLog: { size: 9 },
		});
		const jwks = (await (await get("/_lawful/v1/provider-keys")).json()) as ProviderJwks;
		const checked = await verifyProviderJws(jws, jwks, "lawful-transparency+jws");
		expect(checked.ok).toBe(true);
		if (checked.ok) expect(JSON.parse(new TextDecoder().decode(checked.payload))).toEqual(report);
		// A report altered after signing does not match the signed payload.
		const forged = jws.split(".");
		forged[1] = btoa(JSON.stringify({ ...report, requests: 0 })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
		expect(await verifyProviderJws(forged.join("."), jwks, "lawful-transparency+jws")).toMatchObject({ ok: false });
	});

	it("answers LA_NOT_FOUND for malformed and future periods", async () => {
		expect(await (await get("/_lawful/v1/transparency/2026-Q1")).json()).toMatchObject({ code: "LA_NOT_FOUND" });
		expect((await get("/_lawful/v1/transparency/2999-H1")).status).toBe(404);
	});
});
