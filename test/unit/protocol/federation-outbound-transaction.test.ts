// The outbound transaction builder, backoff and catch-up selection.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
import { describe, expect, it } from "vitest";
import {
	BACKOFF_BASE_MS,
	BACKOFF_MAX_MS,
	backoffDelayMs,
	buildTransactionBody,
	CATCH_UP_OUTAGE_MS,
	CATCH_UP_QUEUE_BOUND,
	makeTxnId,
	selectCatchUp,
	shouldCatchUp,
} from "../../../src/protocol/federation/outbound-transaction";

describe("buildTransactionBody", () => {
	it("splices stored PDU and EDU text in byte for byte", () => {
		const pdu = '{"type":"m.room.message","content":{"body":"\\u00e9"},"depth":3}';
		const body = buildTransactionBody("hs1.example", 1700, [pdu], ['{"edu_type":"m.typing","content":{}}']);
		expect(body).toContain(pdu);
		expect(JSON.parse(body)).toEqual({ origin: "hs1.example", origin_server_ts: 1700, pdus: [JSON.parse(pdu)], edus: [{ edu_type: "m.typing", content: {} }] });
		expect(JSON.parse(buildTransactionBody("a", 1, [], []))).toEqual({ origin: "a", origin_server_ts: 1, pdus: [], edus: [] });
	});
	it("refuses more than 50 PDUs or 100 EDUs", () => {
		expect(() => buildTransactionBody("a", 1, new Array(51).fill("{}"), [])).toThrow(RangeError);
		expect(() => buildTransactionBody("a", 1, [], new Array(101).fill("{}"))).toThrow(RangeError);
		expect(() => buildTransactionBody("a", 1, new Array(50).fill("{}"), new Array(100).fill("{}"))).not.toThrow();
	});
});

describe("backoff", () => {
	it("doubles from the base, is capped, and jitters by at most 20%", () => {
		expect(backoffDelayMs(1, 0)).toBe(BACKOFF_BASE_MS);
		expect(backoffDelayMs(2, 0)).toBe(2 * BACKOFF_BASE_MS);
		expect(backoffDelayMs(5, 0)).toBe(16 * BACKOFF_BASE_MS);
		expect(backoffDelayMs(40, 0)).toBe(BACKOFF_MAX_MS);
		expect(backoffDelayMs(40, 0.999)).toBeLessThanOrEqual(BACKOFF_MAX_MS * 1.2);
		expect(backoffDelayMs(1, 0.5)).toBe(BACKOFF_BASE_MS * 1.1);
	});
});

describe("catch-up", () => {
	it("starts when the queue outgrows its bound or the outage lasts too long", () => {
		expect(shouldCatchUp(10, null, 1e12)).toBe(false);
		expect(shouldCatchUp(CATCH_UP_QUEUE_BOUND + 1, null, 1e12)).toBe(true);
		expect(shouldCatchUp(1, 1e12 - CATCH_UP_OUTAGE_MS + 1, 1e12)).toBe(false);
		expect(shouldCatchUp(1, 1e12 - CATCH_UP_OUTAGE_MS - 1, 1e12)).toBe(true);
	});
	it("keeps only the newest PDU per room, in queue order", () => {
		const refs = [
			{ id: 1, roomId: "!a", eventId: "$a1" },
			{ id: 2, roomId: "!b", eventId: "$b1" },
			{ id: 3, roomId: "!a", eventId: "$a2" },
			{ id: 4, roomId: "!c", eventId: "$c1" },
			{ id: 5, roomId: "!b", eventId: "$b2" },
		];
		const { keep, drop } = selectCatchUp(refs);
		expect(keep.map((r) => r.eventId)).toEqual(["$a2", "$c1", "$b2"]);
		expect(drop.map((r) => r.eventId)).toEqual(["$a1", "$b1"]);
	});
});

describe("txn IDs", () => {
	it("differ by time and sequence", () => {
		expect(new Set([makeTxnId(1, 1), makeTxnId(1, 2), makeTxnId(2, 1)]).size).toBe(3);
	});
});
