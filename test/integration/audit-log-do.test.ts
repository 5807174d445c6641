import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AUDIT_LOG_NAME, type AuditLogDO } from "../../src/export/audit/audit-log-do";
import { computeEntryHash, GENESIS_HASH } from "../../src/export/audit/hash-chain";

describe("AuditLogDO", () => {
	it("starts at the genesis head and an empty chain verifies", async () => {
		const stub = env.AUDIT_LOG.getByName("empty");
		expect(await stub.head()).toEqual({ seq: 0, entry_hash: GENESIS_HASH });
		expect(await stub.verifyChain()).toEqual({ ok: true, length: 0, head: GENESIS_HASH });
	});

	it("chains each entry to the one before and verifies", async () => {
		const stub = env.AUDIT_LOG.getByName(AUDIT_LOG_NAME);
		const first = await stub.append("order_received", { order_id: "o1", scope: ["@a:x"] }, 1000);
		expect(first).toEqual({ ok: true, value: { seq: 1, entry_hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
		const second = await stub.append("order_approved", { order_id: "o1", by: "@op:x" }, 2000);
		expect(second.ok && second.value.seq).toBe(2);
		// The hash is the documented function of prev_hash and the canonical entry, so others can recompute it.
		const expected = await computeEntryHash(GENESIS_HASH, { seq: 1, ts: 1000, kind: "order_received", body: { scope: ["@a:x"], order_id: "o1" } });
		expect(first.ok && first.value.entry_hash).toBe(expected);
		expect(await stub.head()).toEqual(second.ok && second.value);
		expect(await stub.verifyChain()).toMatchObject({ ok: true, length: 2 });
	});

	it("keeps seq contiguous under concurrent appends", async () => {
		const stub = env.AUDIT_LOG.getByName("concurrent");
		const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stub.append("k", { i }, i)));
		expect(results.map((r) => r.ok && r.value.seq).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		expect(await stub.verifyChain()).toMatchObject({ ok: true, length: 20 });
	});

	it("refuses bodies that are not canonical JSON (floats)", async () => {
		const stub = env.AUDIT_LOG.getByName("floats");
		expect(await stub.append("k", { x: 1.5 }, 1)).toMatchObject({ ok: false, errcode: "M_BAD_JSON" });
		expect(await stub.head()).toEqual({ seq: 0, entry_hash: GENESIS_HASH });
	});

	it("refuses UPDATE and DELETE in the database itself", async () => {
		const stub = env.AUDIT_LOG.getByName(AUDIT_LOG_NAME);
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			expect(() => state.storage.sql.exec("UPDATE log SET kind = 'x' WHERE seq = 1")).toThrow(/append-only/);
			expect(() => state.storage.sql.exec("DELETE FROM log WHERE seq = 2")).toThrow(/append-only/);
		});
	});

	it("detects a tampered body, a removed entry and a bad checkpoint", async () => {
		const stub = env.AUDIT_LOG.getByName("tamper");
		for (let i = 1; i <= 4; i++) await stub.append("k", { i }, i);
		expect(await stub.verifyChain()).toMatchObject({ ok: true, length: 4 });
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			// Someone with raw storage access can drop the guard; the chain still tells.
			state.storage.sql.exec("DROP TRIGGER log_no_update");
			state.storage.sql.exec("UPDATE log SET body = '{\"i\":99}' WHERE seq = 2");
		});
		expect(await stub.verifyChain()).toEqual({ ok: false, seq: 2, reason: "entry_hash does not match the entry" });

		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			state.storage.sql.exec("UPDATE log SET body = '{\"i\":2}' WHERE seq = 2");
			state.storage.sql.exec("DROP TRIGGER log_no_delete");
			state.storage.sql.exec("DELETE FROM log WHERE seq = 3");
		});
		expect(await stub.verifyChain()).toEqual({ ok: false, seq: 3, reason: "expected seq 3, found 4" });
	});

	it("detects a checkpoint that disagrees with the log", async () => {
		const stub = env.AUDIT_LOG.getByName("checkpoint");
		const appended = await stub.append("k", { i: 1 }, 1);
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			const hash = appended.ok ? appended.value.entry_hash : "";
			state.storage.sql.exec("INSERT INTO checkpoints (seq, entry_hash, signed_json, created_ts) VALUES (1, ?, '{}', 1)", hash);
		});
		expect(await stub.verifyChain()).toMatchObject({ ok: true, length: 1 });
		await runInDurableObject(stub, (_instance: AuditLogDO, state) => {
			state.storage.sql.exec("UPDATE checkpoints SET entry_hash = ? WHERE seq = 1", "0".repeat(64));
		});
		expect(await stub.verifyChain()).toEqual({ ok: false, seq: 1, reason: "checkpoint does not match the log" });
	});
});
