// The audit log's hash chain inside workerd: the documented hash, contiguous seq under concurrency,
// append-only in SQLite, and tampering with any entry detected.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit } from "../../src/export/audit/append";
import type { AuditLogDO } from "../../src/export/audit/audit-log-do";
import { type AuditInput, buildEntryBody, computeEntryHash, GENESIS_HASH, jcs, sha256Hex } from "../../src/export/audit/entry";
import { verifyEntries } from "../../src/export/audit/hash-chain";

const submitted: AuditInput = {
	type: "order",
	action: "submitted",
	orderId: "7f1c2a4e-0000-4000-8000-000000000001",
	orderSha256: "ab".repeat(32),
	actor: "authority:us-fbi/k1",
	reason: null,
	legalProvision: "US-18USC2703d",
	issuer: "us-fbi",
	result: "ok",
	scope: { targets: 1, categories: ["SubscriberData"], emergency: false, nonDisclosure: false, preservations: 0 },
};

function entry(i: number): AuditInput {
	return { ...submitted, action: "approved", type: "approval", actor: `operator:@op${i}:x`, reason: `reason ${i}`, scope: undefined };
}

describe("audit log hash chain", () => {
	it("starts at the genesis head and an empty chain verifies", async () => {
		const stub = env.AUDIT_LOG.getByName("empty");
		expect(await stub.head()).toEqual({ seq: 0, entry_hash: GENESIS_HASH });
		expect(await stub.verifyChain()).toEqual({ ok: true, length: 0, head: GENESIS_HASH });
	});

	it("hashes SHA-256(prevHash ‖ JCS(entry)) and chains entries through appendAudit", async () => {
		const first = await appendAudit(env, submitted, 1000);
		const second = await appendAudit(env, entry(1), 2000);
		expect(first.seq).toBe(1);
		expect(second.seq).toBe(2);
		// Recomputed by hand from the design's rule: anyone can check an exported entry.
		const body = buildEntryBody(submitted, 1, 1000, GENESIS_HASH);
		expect(jcs(body).startsWith('{"action":"submitted","actor":"authority:us-fbi/k1"')).toBe(true);
		expect(first.entry_hash).toBe(await sha256Hex(GENESIS_HASH + jcs(body)));
		expect(first.entry_hash).toBe(await computeEntryHash(body));

		const stub = env.AUDIT_LOG.getByName("audit-log");
		const entries = await stub.entries(0, 10);
		expect(entries).toHaveLength(2);
		expect(entries[0]).toMatchObject({ seq: 1, ts: 1000, type: "order", prevHash: GENESIS_HASH, entryHash: first.entry_hash, scope: submitted.scope });
		expect(entries[1]).toMatchObject({ seq: 2, prevHash: first.entry_hash, entryHash: second.entry_hash });
		expect(entries[1]).not.toHaveProperty("packageSha256");
		expect(await verifyEntries(entries)).toEqual({ ok: true, length: 2, head: second.entry_hash });
		expect(await stub.verifyChain()).toEqual({ ok: true, length: 2, head: second.entry_hash });
	});

	it("keeps seq contiguous under concurrent appends", async () => {
		const stub = env.AUDIT_LOG.getByName("concurrent");
		const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stub.append(entry(i), i)));
		expect(results.map((r) => (r.ok ? r.value.seq : 0)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		expect(await stub.verifyChain()).toMatchObject({ ok: true, length: 20 });
	});

	it("refuses entries JCS cannot encode and leaves the log unchanged", async () => {
		const stub = env.AUDIT_LOG.getByName("bad");
		expect(await stub.append({ ...submitted, scope: { ...submitted.scope!, targets: Number.NaN } }, 1)).toMatchObject({ ok: false });
		expect(await stub.append(submitted, 1.5)).toMatchObject({ ok: false });
		expect(await stub.head()).toEqual({ seq: 0, entry_hash: GENESIS_HASH });
	});

	it("refuses UPDATE and DELETE in the database itself", async () => {
		const stub = env.AUDIT_LOG.getByName("guarded");
		await stub.append(submitted, 1);
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			expect(() => state.storage.sql.exec("UPDATE log SET kind = 'x' WHERE seq = 1")).toThrow(/append-only/);
			expect(() => state.storage.sql.exec("DELETE FROM log WHERE seq = 1")).toThrow(/append-only/);
		});
	});

	// Each field of an entry is covered by the hash: change any one and verification names that entry.
	const tamperings: [string, (body: Record<string, unknown>) => void][] = [
		["actor", (b) => (b.actor = "operator:@mallory:x")],
		["reason", (b) => (b.reason = "nothing to see")],
		["result", (b) => (b.result = "LA_SIG_INVALID")],
		["orderSha256", (b) => (b.orderSha256 = "cd".repeat(32))],
		["packageSha256 added", (b) => (b.packageSha256 = "ef".repeat(32))],
		["legalProvision", (b) => (b.legalProvision = "UK-IPA-s61")],
	];
	for (const [name, edit] of tamperings) {
		it(`detects a tampered ${name} even after the append-only trigger is dropped`, async () => {
			const stub = env.AUDIT_LOG.getByName(`tamper-${name}`);
			for (let i = 1; i <= 4; i++) await stub.append(entry(i), i);
			expect(await stub.verifyChain()).toMatchObject({ ok: true, length: 4 });
			await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
				const row = state.storage.sql.exec<{ body: string }>("SELECT body FROM log WHERE seq = 3").one();
				const body = JSON.parse(row.body) as Record<string, unknown>;
				edit(body);
				// An attacker with raw storage access drops the guard and rewrites the row in canonical form.
				state.storage.sql.exec("DROP TRIGGER log_no_update");
				state.storage.sql.exec("UPDATE log SET body = ? WHERE seq = 3", jcs(body));
			});
			expect(await stub.verifyChain()).toEqual({ ok: false, seq: 3, reason: "entryHash does not match the entry" });
			expect(await verifyEntries(await stub.entries(0, 10))).toMatchObject({ ok: false, seq: 3 });
		});
	}

	it("detects a removed entry, a rewritten ts column and a non-canonical body", async () => {
		const stub = env.AUDIT_LOG.getByName("tamper-structure");
		for (let i = 1; i <= 4; i++) await stub.append(entry(i), i);
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			state.storage.sql.exec("DROP TRIGGER log_no_update");
			state.storage.sql.exec("UPDATE log SET ts = 99 WHERE seq = 2");
		});
		expect(await stub.verifyChain()).toEqual({ ok: false, seq: 2, reason: "entry columns disagree with the entry" });
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			state.storage.sql.exec("UPDATE log SET ts = 2 WHERE seq = 2");
			const row = state.storage.sql.exec<{ body: string }>("SELECT body FROM log WHERE seq = 2").one();
			state.storage.sql.exec("UPDATE log SET body = ? WHERE seq = 2", JSON.stringify(JSON.parse(row.body), null, 1));
		});
		expect(await stub.verifyChain()).toEqual({ ok: false, seq: 2, reason: "entry is not in canonical form" });
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			const row = state.storage.sql.exec<{ body: string }>("SELECT body FROM log WHERE seq = 2").one();
			state.storage.sql.exec("UPDATE log SET body = ? WHERE seq = 2", jcs(JSON.parse(row.body)));
			state.storage.sql.exec("DROP TRIGGER log_no_delete");
			state.storage.sql.exec("DELETE FROM log WHERE seq = 3");
		});
		expect(await stub.verifyChain()).toEqual({ ok: false, seq: 3, reason: "expected seq 3, found 4" });
	});
});
