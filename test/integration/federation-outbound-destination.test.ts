// The DestinationDO against a remote receiver: one transaction in flight, the same txn ID on retry,
// backoff alarms, catch-up, dedupe, and valid X-Matrix signatures on every request.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DestinationDO } from "../../src/bridge/outbound/destination-do";
import { DestinationStore } from "../../src/bridge/outbound/store";
import { BACKOFF_BASE_MS, CATCH_UP_OUTAGE_MS } from "../../src/protocol/federation/outbound-transaction";
import { installReceiver, pduText } from "./federation-outbound-helpers";

afterEach(() => {
	vi.restoreAllMocks();
	// Alarms of earlier tests may still fire; they must meet a dead network, not the real one.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("offline"));
});

let n = 0;
/** A fresh destination per test: `remote-N.example:8448` (an explicit port: discovery step 2). */
function destination() {
	const name = `remote-${++n}-${Date.now()}.example:8448`;
	return { name, stub: env.DESTINATION.getByName(name) };
}

/** Fires the alarm (if workerd has not already) and waits until the destination is idle. */
async function drain(stub: DurableObjectStub<DestinationDO>) {
	await runDurableObjectAlarm(stub);
	await vi.waitFor(async () => expect(await stub.status()).toMatchObject({ queued_pdus: 0, queued_edus: 0, in_flight_txn_id: null }), { timeout: 5_000 });
}

/** Makes a backoff due now, as if its time had come, and runs the alarm. */
async function expireBackoff(stub: DurableObjectStub<DestinationDO>) {
	await runInDurableObject(stub, async (_i: DestinationDO, state) => {
		state.storage.sql.exec("UPDATE backoff SET next_attempt_ts = ?", Date.now() - 1);
		await state.storage.setAlarm(Date.now());
	});
	await runDurableObjectAlarm(stub);
}

describe("DestinationDO sending", () => {
	it("sends queued PDUs and EDUs as one signed transaction, in order, and acknowledges hand-offs", async () => {
		const receiver = installReceiver();
		const { name, stub } = destination();
		const pdus = [pduText("!a:hs1", 1), pduText("!b:hs1", 2), pduText("!a:hs1", 3)];
		for (const p of pdus) expect(await stub.enqueuePdu(p.eventId.includes("_2") ? "!b:hs1" : "!a:hs1", p.eventId, p.json)).toEqual({ ok: true, value: { queued: true } });
		expect(await stub.enqueueEdu({ edu_type: "m.typing", content: { room_id: "!a:hs1", user_id: "@u:hs1", typing: true } }, "typing-1")).toEqual({ ok: true, value: { queued: true } });
		await drain(stub);
		expect(receiver.received).toHaveLength(1);
		const txn = receiver.received[0]!;
		expect(txn.signatureValid).toBe(true);
		expect(txn.headerDestination).toBe(name);
		expect(txn.host).toBe(name); // step 2: the server name's host and port
		expect(txn.body.origin).toBe(env.SERVER_NAME);
		// Byte for byte: each stored PDU text appears unchanged in the body.
		for (const p of pdus) expect(txn.raw).toContain(p.json);
		expect(txn.body.pdus.map((p) => p.depth)).toEqual([1, 2, 3]);
		expect(txn.body.edus).toEqual([{ edu_type: "m.typing", content: { room_id: "!a:hs1", user_id: "@u:hs1", typing: true } }]);
		// The address check asked the DoH resolver about the host.
		expect(receiver.dohQueries).toContain(`A ${name.split(":")[0]}`);
		await runInDurableObject(stub, (_i: DestinationDO, state) => {
			expect(new DestinationStore(state.storage.sql).roomCursors()).toEqual({ "!a:hs1": pdus[2]!.eventId, "!b:hs1": pdus[1]!.eventId });
		});
	});

	it("dedupes a repeated hand-off, before and after sending", async () => {
		installReceiver();
		const { stub } = destination();
		const p = pduText("!a:hs1", 1);
		expect(await stub.enqueuePdu("!a:hs1", p.eventId, p.json)).toEqual({ ok: true, value: { queued: true } });
		expect(await stub.enqueuePdu("!a:hs1", p.eventId, p.json)).toEqual({ ok: true, value: { queued: false } });
		await drain(stub);
		expect(await stub.enqueuePdu("!a:hs1", p.eventId, p.json)).toEqual({ ok: true, value: { queued: false } });
		expect(await stub.enqueueEdu({ edu_type: "m.receipt", content: {} }, "r1")).toMatchObject({ value: { queued: true } });
		expect(await stub.enqueueEdu({ edu_type: "m.receipt", content: {} }, "r1")).toMatchObject({ value: { queued: false } });
		await drain(stub);
	});

	it("keeps one transaction in flight: 120 PDUs go as 50 + 50 + 20, one after another", async () => {
		const receiver = installReceiver();
		const { stub } = destination();
		for (let i = 1; i <= 120; i++) {
			const p = pduText("!big:hs1", i);
			await stub.enqueuePdu("!big:hs1", p.eventId, p.json);
		}
		await drain(stub);
		expect(receiver.received.map((t) => t.body.pdus.length)).toEqual([50, 50, 20]);
		expect(new Set(receiver.received.map((t) => t.txnId)).size).toBe(3);
		expect(receiver.maxConcurrent()).toBe(1);
		expect(receiver.received.flatMap((t) => t.body.pdus.map((p) => p.depth))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
	});

	it("retries with the same txn ID and body after a failure, backing off on alarms, then resets", async () => {
		const receiver = installReceiver();
		const { stub } = destination();
		receiver.failNext(2);
		const first = pduText("!r:hs1", 1);
		const before = Date.now();
		await stub.enqueuePdu("!r:hs1", first.eventId, first.json);
		await runDurableObjectAlarm(stub);
		await vi.waitFor(() => expect(receiver.received).toHaveLength(1));
		const failed = await stub.status();
		expect(failed.in_flight_txn_id).toBe(receiver.received[0]!.txnId);
		expect(failed.retry_count).toBe(1);
		expect(failed.next_attempt_ts).toBeGreaterThanOrEqual(before + BACKOFF_BASE_MS);
		await runInDurableObject(stub, async (_i: DestinationDO, state) => {
			expect(await state.storage.getAlarm()).toBe(failed.next_attempt_ts);
		});

		// A PDU queued during the outage waits behind the in-flight transaction.
		const second = pduText("!r:hs1", 2);
		await stub.enqueuePdu("!r:hs1", second.eventId, second.json);
		// An alarm before the backoff is due sends nothing.
		await runInDurableObject(stub, (_i: DestinationDO, state) => state.storage.setAlarm(Date.now()));
		await runDurableObjectAlarm(stub);
		expect(receiver.received).toHaveLength(1);

		await expireBackoff(stub);
		await vi.waitFor(() => expect(receiver.received).toHaveLength(2));
		const second_try = await stub.status();
		expect(second_try.retry_count).toBe(2);
		// The doubled wait.
		expect(second_try.next_attempt_ts! - Date.now()).toBeGreaterThan(BACKOFF_BASE_MS * 1.5);

		await expireBackoff(stub);
		await vi.waitFor(async () => expect(await stub.status()).toMatchObject({ queued_pdus: 0, in_flight_txn_id: null, retry_count: 0, next_attempt_ts: null }));
		const ids = receiver.received.map((t) => t.txnId);
		expect(ids[0]).toBe(ids[1]);
		expect(ids[1]).toBe(ids[2]);
		expect(receiver.received[2]!.raw).toBe(receiver.received[0]!.raw);
		// Then the PDU queued meanwhile, in a new transaction.
		expect(receiver.received).toHaveLength(4);
		expect(receiver.received[3]!.txnId).not.toBe(ids[0]);
		expect(receiver.received[3]!.raw).toContain(second.json);
		expect(receiver.received.every((t) => t.signatureValid)).toBe(true);
	});

	it("resends the same transaction after a restart mid-flight", async () => {
		const receiver = installReceiver();
		const { name, stub } = destination();
		const p = pduText("!x:hs1", 1);
		// As if a transaction had been claimed and the object then restarted before the reply.
		await runInDurableObject(stub, (_i: DestinationDO, state) => {
			const store = new DestinationStore(state.storage.sql);
			store.rememberDestination(name);
			store.enqueue("pdu", p.json, p.eventId, Date.now(), "!x:hs1");
			state.storage.transactionSync(() => store.claimTransaction(env.SERVER_NAME, Date.now(), false));
		});
		const txnId = (await stub.status()).in_flight_txn_id;
		expect(txnId).not.toBeNull();
		await runInDurableObject(stub, (_i: DestinationDO, state) => state.storage.setAlarm(Date.now()));
		await drain(stub);
		expect(receiver.received.map((t) => t.txnId)).toEqual([txnId]);
	});

	it("catches up after a long outage: only the newest PDU per room, cursors advanced", async () => {
		const receiver = installReceiver();
		const { name, stub } = destination();
		const sent: Record<string, string> = {};
		await runInDurableObject(stub, (_i: DestinationDO, state) => {
			const store = new DestinationStore(state.storage.sql);
			store.rememberDestination(name);
			for (let i = 1; i <= 6; i++) {
				const room = i % 2 === 0 ? "!even:hs1" : "!odd:hs1";
				const p = pduText(room, i);
				store.enqueue("pdu", p.json, p.eventId, Date.now(), room);
				sent[room] = p.eventId;
			}
			// Down for longer than the catch-up bound; the retry is due now.
			state.storage.sql.exec("INSERT INTO backoff (singleton, retry_count, next_attempt_ts, down_since_ts) VALUES (1, 9, ?, ?)", Date.now() - 1, Date.now() - CATCH_UP_OUTAGE_MS - 1);
		});
		await runInDurableObject(stub, (_i: DestinationDO, state) => state.storage.setAlarm(Date.now()));
		await drain(stub);
		expect(receiver.received).toHaveLength(1);
		expect(receiver.received[0]!.body.pdus.map((p) => p.depth)).toEqual([5, 6]);
		await runInDurableObject(stub, (_i: DestinationDO, state) => {
			expect(new DestinationStore(state.storage.sql).roomCursors()).toEqual(sent);
		});
		expect((await stub.status()).retry_count).toBe(0);
	});

	it("refuses loopback destinations without FEDERATION_INSECURE_LOOPBACK (and backs off)", async () => {
		installReceiver();
		const stub = env.DESTINATION.getByName("127.0.0.1:9");
		const p = pduText("!l:hs1", 1);
		await stub.enqueuePdu("!l:hs1", p.eventId, p.json);
		await runDurableObjectAlarm(stub);
		await vi.waitFor(async () => expect((await stub.status()).retry_count).toBeGreaterThanOrEqual(1));
	});
});
