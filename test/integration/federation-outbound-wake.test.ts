// A destination in backoff is woken when that server sends us a transaction: it is evidently up, so what
// waits for it goes now, under the same transaction ID, instead of at the next (possibly hour-long) retry.
// And a hand-off with sendNow starts the send loop at once, each PDU still sent exactly once.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions (Synapse resets its retry timings the same way)
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DestinationDO } from "../../src/bridge/outbound/destination-do";
import { BACKOFF_BASE_MS } from "../../src/protocol/federation/outbound-transaction";
import { fed, remoteServer, seedKeys } from "./federation-inbound-helpers";
import { installReceiver, pduText } from "./federation-outbound-helpers";

afterEach(() => {
	vi.restoreAllMocks();
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("offline"));
});

describe("waking a destination in backoff", () => {
	it("an inbound transaction from the server ends its backoff and its queue is sent at once", async () => {
		// An explicit port: discovery needs no well-known lookup.
		const remote = await remoteServer(`wake-${Date.now()}.example:8448`, 71);
		await seedKeys([remote]);
		const receiver = installReceiver();
		receiver.failNext(1);
		const stub = env.DESTINATION.getByName(remote.name);
		const pdu = pduText("!wake:hs1", 1);
		await stub.enqueuePdu("!wake:hs1", pdu.eventId, pdu.json);
		await runDurableObjectAlarm(stub);
		await vi.waitFor(() => expect(receiver.received).toHaveLength(1));
		const failed = await stub.status();
		expect(failed.retry_count).toBe(1);
		expect(failed.next_attempt_ts! - Date.now()).toBeGreaterThan(BACKOFF_BASE_MS / 2);

		// An alarm before the backoff is due sends nothing: without the wake-up, the queue waits.
		await runDurableObjectAlarm(stub);
		expect(receiver.received).toHaveLength(1);

		const res = await fed(remote, "PUT", "/_matrix/federation/v1/send/wake-1", { origin: remote.name, origin_server_ts: Date.now(), pdus: [], edus: [] });
		expect(res.status).toBe(200);
		await vi.waitFor(async () => expect((await stub.status()).next_attempt_ts).toBeNull());
		await runInDurableObject(stub, async (_i: DestinationDO, state) => {
			expect(await state.storage.getAlarm()).toBeLessThanOrEqual(Date.now());
		});
		await runDurableObjectAlarm(stub);
		await vi.waitFor(async () => expect(await stub.status()).toMatchObject({ queued_pdus: 0, in_flight_txn_id: null, retry_count: 0 }));
		expect(receiver.received).toHaveLength(2);
		expect(receiver.received[1]!.txnId).toBe(receiver.received[0]!.txnId);
		expect(receiver.received[1]!.raw).toContain(pdu.json);
	});

	it("a hand-off with sendNow starts sending without waiting for the alarm, and sends each PDU exactly once", async () => {
		const receiver = installReceiver();
		const stub = env.DESTINATION.getByName(`now-${Date.now()}.example:8448`);
		const pdus = [1, 2, 3, 4, 5].map((i) => pduText("!now:hs1", i));
		// Back to back, as the queue consumer hands them off: the first goes at once, the rest while it is in flight.
		for (const p of pdus) expect(await stub.enqueuePdu("!now:hs1", p.eventId, p.json, true)).toEqual({ ok: true, value: { queued: true } });
		await vi.waitFor(async () => expect(await stub.status()).toMatchObject({ queued_pdus: 0, in_flight_txn_id: null }), { timeout: 5_000 });
		const sent = receiver.received.flatMap((t) => t.body.pdus.map((p) => p.depth));
		expect(sent).toEqual([1, 2, 3, 4, 5]);
		expect(new Set(receiver.received.map((t) => t.txnId)).size).toBe(receiver.received.length);
		// A later alarm (the safety net) finds nothing to resend.
		await runDurableObjectAlarm(stub);
		expect(receiver.received.flatMap((t) => t.body.pdus)).toHaveLength(5);
	});

	it("a sendNow hand-off arms only the safety-net alarm, and a stream of hand-offs arms it once", async () => {
		const receiver = installReceiver();
		const stub = env.DESTINATION.getByName(`net-${Date.now()}.example:8448`);
		const alarm = () => runInDurableObject(stub, (_i: DestinationDO, state) => state.storage.getAlarm());
		const [p1, p2] = [1, 2].map((i) => pduText("!net:hs1", i));
		const before = Date.now();
		await stub.enqueuePdu("!net:hs1", p1!.eventId, p1!.json, true);
		// The send loop started without it: the alarm only resumes a transaction should the object die mid-send.
		const armed = await alarm();
		expect(armed).toBeGreaterThan(before + 30_000);
		await vi.waitFor(() => expect(receiver.received).toHaveLength(1));
		await stub.enqueuePdu("!net:hs1", p2!.eventId, p2!.json, true);
		expect(await alarm()).toBe(armed);
		await vi.waitFor(async () => expect(await stub.status()).toMatchObject({ queued_pdus: 0, in_flight_txn_id: null }));
		expect(receiver.received.flatMap((t) => t.body.pdus.map((p) => p.depth))).toEqual([1, 2]);
		// When it fires, it finds nothing to send.
		await runDurableObjectAlarm(stub);
		expect(receiver.received).toHaveLength(2);
		expect(await alarm()).toBeNull();
	});

	it("an inbound transaction from a server we are not backing off from changes nothing", async () => {
		const remote = await remoteServer(`calm-${Date.now()}.example:8448`, 72);
		await seedKeys([remote]);
		const res = await fed(remote, "PUT", "/_matrix/federation/v1/send/calm-1", { origin: remote.name, origin_server_ts: Date.now(), pdus: [], edus: [] });
		expect(res.status).toBe(200);
		const stub = env.DESTINATION.getByName(remote.name);
		expect(await stub.status()).toEqual({ queued_pdus: 0, queued_edus: 0, in_flight_txn_id: null, retry_count: 0, next_attempt_ts: null });
		await runInDurableObject(stub, async (_i: DestinationDO, state) => {
			expect(await state.storage.getAlarm()).toBeNull();
		});
	});
});
