import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DestinationDO } from "../../src/bridge/outbound/destination-do";
import { DestinationStore } from "../../src/bridge/outbound/store";

describe("DestinationDO", () => {
	it("reports an empty status for a destination it has never served", async () => {
		expect(await env.DESTINATION.getByName("remote.example").status()).toEqual({
			queued_pdus: 0,
			queued_edus: 0,
			in_flight_txn_id: null,
			retry_count: 0,
			next_attempt_ts: null,
		});
	});

	it("counts queued PDUs and EDUs and dedupes repeated hand-offs", async () => {
		const stub = env.DESTINATION.getByName("busy.example");
		await runInDurableObject(stub, (_instance: DestinationDO, state) => {
			const store = new DestinationStore(state.storage.sql);
			expect(store.enqueue("pdu", '{"type":"m.room.message"}', "$e1", 1)).toBe(true);
			expect(store.enqueue("pdu", '{"type":"m.room.message"}', "$e1", 2)).toBe(false);
			expect(store.enqueue("pdu", '{"type":"m.room.message"}', "$e2", 3)).toBe(true);
			expect(store.enqueue("edu", '{"edu_type":"m.typing"}', null, 4)).toBe(true);
			expect(store.enqueue("edu", '{"edu_type":"m.typing"}', null, 5)).toBe(true);
		});
		expect(await stub.status()).toMatchObject({ queued_pdus: 2, queued_edus: 2, in_flight_txn_id: null });
	});

	it("has the in-flight and backoff tables at schema version 1", async () => {
		const stub = env.DESTINATION.getByName("schema.example");
		await runInDurableObject(stub, (_instance: DestinationDO, state) => {
			const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name);
			expect(tables).toEqual(expect.arrayContaining(["schema_version", "queue", "in_flight_txn", "backoff"]));
			state.storage.sql.exec("INSERT INTO in_flight_txn (singleton, txn_id, payload, started_ts) VALUES (1, 't1', '{}', 1)");
			state.storage.sql.exec("INSERT INTO backoff (singleton, retry_count, next_attempt_ts) VALUES (1, 3, 99)");
			// Only one transaction may be in flight.
			expect(() => state.storage.sql.exec("INSERT INTO in_flight_txn (singleton, txn_id, payload, started_ts) VALUES (2, 't2', '{}', 1)")).toThrow();
		});
		expect(await stub.status()).toEqual({ queued_pdus: 0, queued_edus: 0, in_flight_txn_id: "t1", retry_count: 3, next_attempt_ts: 99 });
	});

	it("ends an alarm on an idle destination without scheduling another", async () => {
		const stub = env.DESTINATION.getByName("idle.example");
		await runInDurableObject(stub, async (_instance: DestinationDO, state) => {
			await state.storage.setAlarm(Date.now() + 60_000);
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		await runInDurableObject(stub, async (_instance: DestinationDO, state) => {
			expect(await state.storage.getAlarm()).toBeNull();
		});
		expect(await runDurableObjectAlarm(stub)).toBe(false);
	});
});
