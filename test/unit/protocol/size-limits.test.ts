// Event size limits: 65,536 bytes of canonical JSON per event, 255 bytes per ID-like key.
import { describe, expect, it } from "vitest";
import type { EventJson } from "../../../src/protocol/events/pdu";
import { checkEventSize, MAX_KEY_BYTES, MAX_PDU_BYTES } from "../../../src/protocol/events/size-limits";
import { canonicalJson } from "../../../src/protocol/json/canonical";

const event = (extra: EventJson = {}): EventJson => ({
	room_id: "!r:x",
	type: "m.room.message",
	sender: "@a:x",
	origin_server_ts: 1,
	depth: 1,
	content: { body: "" },
	prev_events: [],
	auth_events: [],
	hashes: { sha256: "h" },
	signatures: {},
	...extra,
});
/** An event whose canonical JSON is exactly `bytes` long, padded through content.body. */
const eventOfSize = (bytes: number): EventJson => {
	const overhead = canonicalJson(event()).length;
	return event({ content: { body: "a".repeat(bytes - overhead) } });
};
const tooLarge = expect.objectContaining({ errcode: "M_TOO_LARGE" });

describe("checkEventSize", () => {
	it("accepts an event of exactly 65,536 bytes and rejects one more", () => {
		expect(MAX_PDU_BYTES).toBe(65536);
		expect(canonicalJson(eventOfSize(65536))).toHaveLength(65536);
		expect(() => checkEventSize(eventOfSize(65536))).not.toThrow();
		expect(() => checkEventSize(eventOfSize(65537))).toThrow(tooLarge);
	});

	it("counts UTF-8 bytes, not characters, for the whole event", () => {
		const overhead = canonicalJson(event()).length;
		// "é" is 2 bytes: about half as many characters reach the same byte count.
		const pairs = Math.floor((65536 - overhead) / 2);
		const body = "é".repeat(pairs) + "a".repeat(65536 - overhead - 2 * pairs);
		expect(() => checkEventSize(event({ content: { body } }))).not.toThrow();
		expect(() => checkEventSize(event({ content: { body: `${body}a` } }))).toThrow(tooLarge);
		expect(body.length).toBeLessThan(40000);
	});

	it("counts signatures and unsigned too (the event as sent over federation)", () => {
		const near = eventOfSize(65536 - 10);
		expect(() => checkEventSize(near)).not.toThrow();
		expect(() => checkEventSize({ ...near, unsigned: { age_ts: 123456789 } })).toThrow(tooLarge);
	});

	it.each(["sender", "room_id", "state_key", "type", "event_id"])("limits %s to 255 bytes", (key) => {
		expect(MAX_KEY_BYTES).toBe(255);
		expect(() => checkEventSize(event({ [key]: "a".repeat(255) }))).not.toThrow();
		expect(() => checkEventSize(event({ [key]: "a".repeat(256) }))).toThrow(tooLarge);
		// 128 two-byte characters are 256 bytes.
		expect(() => checkEventSize(event({ [key]: "é".repeat(127) }))).not.toThrow();
		expect(() => checkEventSize(event({ [key]: "é".repeat(128) }))).toThrow(tooLarge);
	});

	it("checks a computed event ID passed alongside a v3+ event", () => {
		expect(() => checkEventSize(event(), `$${"a".repeat(43)}`)).not.toThrow();
		expect(() => checkEventSize(event(), `$${"a".repeat(255)}`)).toThrow(tooLarge);
	});

	it("does not limit other keys to 255 bytes", () => {
		expect(() => checkEventSize(event({ origin: "o".repeat(1000), content: { body: "b".repeat(1000) } }))).not.toThrow();
	});

	it("rejects limited keys that are not strings, and values canonical JSON cannot hold, as M_BAD_JSON", () => {
		expect(() => checkEventSize(event({ state_key: 5 }))).toThrow(expect.objectContaining({ errcode: "M_BAD_JSON" }));
		expect(() => checkEventSize(event({ depth: 0.5 }))).toThrow(expect.objectContaining({ errcode: "M_BAD_JSON" }));
	});
});
