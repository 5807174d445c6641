// Provider keys and signed checkpoints inside workerd: the JWKS route, rotation keeping past keys,
// checkpoints that verify with the JWKS, and `audit verify` (operator route) failing after tampering.

import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { compactVerify, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { appendAudit } from "../../src/export/audit/append";
import { AUDIT_LOG_NAME, type AuditLogDO } from "../../src/export/audit/audit-log-do";
import { CHECKPOINT_TYP } from "../../src/export/audit/checkpoint";
import type { AuditInput } from "../../src/export/audit/entry";
import type { ProviderJwks } from "../../src/export/keys/jwks";
import { verifyProviderJws } from "../../src/export/keys/jwks";
import { rotateProviderKey } from "../../src/export/keys/provider-key";
import { attachPayload, signWithProviderKey } from "../../src/export/keys/sign";
import { app } from "../../src/worker/app";
import { registerUser } from "./accounts-helpers";

async function fetchApp(path: string, init: RequestInit = {}): Promise<Response> {
	return app.fetch(new Request(`http://localhost:8787${path}`, init), env, createExecutionContext());
}

async function jwks(): Promise<ProviderJwks> {
	const res = await fetchApp("/_lawful/v1/provider-keys");
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
	return (await res.json()) as ProviderJwks;
}

async function operatorToken(name: string): Promise<string> {
	const user = await registerUser(name, "correct horse battery");
	await env.DB.prepare("UPDATE accounts SET is_operator = 1 WHERE user_id = ?").bind(user.user_id).run();
	return user.access_token;
}

const entry: AuditInput = {
	type: "order",
	action: "submitted",
	orderId: "0b8f8a52-0000-4000-8000-000000000002",
	orderSha256: "12".repeat(32),
	actor: "authority:uk-nca/k9",
	reason: null,
	legalProvision: "UK-IPA-s61",
	issuer: "uk-nca",
	result: "ok",
};

describe("provider keys and audit checkpoints", () => {
	it("publishes one current Ed25519 key as a JWKS without private parts, generated on first use", async () => {
		const set = await jwks();
		expect(set.keys).toHaveLength(1);
		const [key] = set.keys;
		expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", status: "current" });
		expect(key).not.toHaveProperty("d");
		expect(key).not.toHaveProperty("notAfter");
		expect(JSON.stringify(set)).not.toContain('"d"');
		// Stable: the same key again, not a new one per request.
		expect((await jwks()).keys[0]?.kid).toBe(key?.kid);
	});

	it("signs detached and attached JWSs that verify with the published key", async () => {
		const manifest = "abc  data/order.jws\n";
		const detached = await signWithProviderKey(env, manifest, { typ: "lawful-delivery+jws", detached: true });
		expect(detached.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
		const set = await jwks();
		const key = set.keys.find((k) => k.kid === detached.kid);
		expect(key).toBeDefined();
		const publicKey = await importJWK({ kty: "OKP", crv: "Ed25519", x: key?.x }, "EdDSA");
		const verified = await compactVerify(attachPayload(detached.jws, manifest), publicKey);
		expect(new TextDecoder().decode(verified.payload)).toBe(manifest);
		expect(verified.protectedHeader).toMatchObject({ alg: "EdDSA", kid: detached.kid, typ: "lawful-delivery+jws" });
		// A changed manifest no longer verifies.
		await expect(compactVerify(attachPayload(detached.jws, manifest + "x"), publicKey)).rejects.toThrow();
		expect(await verifyProviderJws(attachPayload(detached.jws, manifest), set, "lawful-delivery+jws")).toMatchObject({ ok: true });
		expect(await verifyProviderJws(attachPayload(detached.jws, manifest), set, CHECKPOINT_TYP)).toMatchObject({ ok: false });
	});

	it("checkpoints each append; the checkpoint verifies with the JWKS and is public", async () => {
		const head = await appendAudit(env, entry);
		const res = await fetchApp("/_lawful/v1/audit/checkpoint");
		expect(res.status).toBe(200);
		const body = (await res.json()) as { size: number; headHash: string; jws: string };
		expect(body).toMatchObject({ size: head.seq, headHash: head.entry_hash });
		const checked = await verifyProviderJws(body.jws, await jwks(), CHECKPOINT_TYP);
		expect(checked.ok).toBe(true);
		if (checked.ok) expect(JSON.parse(new TextDecoder().decode(checked.payload))).toMatchObject({ size: head.seq, headHash: head.entry_hash });
	});

	it("rotation keeps the past key, with its validity, and old signatures still verify", async () => {
		const old = await signWithProviderKey(env, "before rotation", { typ: "lawful-transparency+jws" });
		const rotated = await rotateProviderKey(env.DB, { lawfulProviderKey: undefined }, Date.now());
		expect(rotated.retired).toBe(old.kid);
		const set = await jwks();
		expect(set.keys.map((k) => [k.kid, k.status])).toEqual([
			[old.kid, "retired"],
			[rotated.current, "current"],
		]);
		expect(set.keys[0]?.notAfter).toBeDefined();
		expect(await verifyProviderJws(old.jws, set, "lawful-transparency+jws")).toMatchObject({ ok: true, kid: old.kid });
		const fresh = await signWithProviderKey(env, "after rotation", { typ: "lawful-transparency+jws" });
		expect(fresh.kid).toBe(rotated.current);
		// The retired key is refused for a JWS dated after its retirement (here: a JWKS saying it retired earlier).
		const retiredEarly: ProviderJwks = { keys: set.keys.map((k) => (k.kid === old.kid ? { ...k, notAfter: "2000-01-01T00:00:00.000Z" } : k)) };
		expect(await verifyProviderJws(old.jws, retiredEarly, "lawful-transparency+jws")).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid at iat/) });
		const unknown: ProviderJwks = { keys: set.keys.filter((k) => k.kid !== fresh.kid) };
		expect(await verifyProviderJws(fresh.jws, unknown, "lawful-transparency+jws")).toMatchObject({ ok: false });
	});

	it("audit verify (operator route) passes, then fails once an entry is tampered with", async () => {
		const token = await operatorToken("auditor1");
		for (let i = 0; i < 3; i++) await appendAudit(env, { ...entry, reason: `r${i}` });
		const auth = { headers: { authorization: `Bearer ${token}` } };
		const good = (await (await fetchApp("/_lawful/v1/admin/audit/verify", auth)).json()) as { ok: boolean; length: number; checkpointsVerified: number };
		expect(good.ok).toBe(true);
		expect(good.length).toBeGreaterThanOrEqual(4);
		expect(good.checkpointsVerified).toBe(good.length);

		const exported = (await (await fetchApp("/_lawful/v1/admin/audit/entries?after=0&limit=2", auth)).json()) as { entries: { seq: number }[] };
		expect(exported.entries.map((e) => e.seq)).toEqual([1, 2]);

		await runInDurableObject(env.AUDIT_LOG.getByName(AUDIT_LOG_NAME), (_i: AuditLogDO, state) => {
			const row = state.storage.sql.exec<{ body: string }>("SELECT body FROM log WHERE seq = 2").one();
			state.storage.sql.exec("DROP TRIGGER log_no_update");
			state.storage.sql.exec("UPDATE log SET body = ? WHERE seq = 2", row.body.replace('"result":"ok"', '"result":"LA_SIG_INVALID"'));
		});
		const bad = (await (await fetchApp("/_lawful/v1/admin/audit/verify", auth)).json()) as { ok: boolean; length: number; problems: string[] };
		expect(bad.ok).toBe(false);
		expect(bad.length).toBe(1);
		expect(bad.problems[0]).toMatch(/^entry 2: /);
		// Checkpoints from entry 2 on no longer match a verified chain.
		expect(bad.problems.filter((p) => p.startsWith("checkpoint")).length).toBeGreaterThan(0);
	});

	it("refuses the audit routes to non-operators", async () => {
		const user = await registerUser("notanoperator", "correct horse battery");
		const res = await fetchApp("/_lawful/v1/admin/audit/verify", { headers: { authorization: `Bearer ${user.access_token}` } });
		expect(res.status).toBe(403);
	});
});
