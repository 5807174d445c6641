// Room versions 6+ reject events holding numbers outside canonical JSON; earlier versions leave that to hashing.
import { describe, expect, it } from "vitest";
import type { EventJson } from "../../../src/protocol/events/pdu";
import { checkCanonicalJsonValues } from "../../../src/protocol/events/strict-canonical-json";
import { ROOM_V1, ROOM_V12, ROOM_V5, ROOM_V6, ROOM_VERSIONS } from "../../../src/protocol/room-versions/rules";

const event = (content: EventJson["content"], extra: EventJson = {}): EventJson => ({
	type: "m.room.message",
	sender: "@a:x",
	depth: 3,
	origin_server_ts: 1,
	content,
	...extra,
});
const badJson = (path: string) => expect.objectContaining({ errcode: "M_BAD_JSON", message: expect.stringContaining(path) });

describe("checkCanonicalJsonValues", () => {
	it("enforces strict canonical JSON exactly from v6", () => {
		for (const rules of Object.values(ROOM_VERSIONS)) {
			expect(rules.strictCanonicalJson).toBe(Number(rules.id) >= 6);
		}
	});

	it.each([
		["an integer above 2^53−1", { n: 2 ** 53 }, "content.n"],
		["an integer below −(2^53−1)", { n: -(2 ** 53) }, "content.n"],
		// JSON.parse turns an out-of-range literal into a double beyond 2^53−1, so it is always caught.
		["a parsed out-of-range literal", JSON.parse('{"n": 9007199254740993}') as EventJson["content"], "content.n"],
		["a float", { n: 1.5 }, "content.n"],
		["a number deep in arrays", { a: [{ b: [1, 2, 0.1] }] }, "content.a[0].b[2]"],
	])("rejects %s in v6+", (_name, content, path) => {
		expect(() => checkCanonicalJsonValues(event(content), ROOM_V6)).toThrow(badJson(path));
		expect(() => checkCanonicalJsonValues(event(content), ROOM_V12)).toThrow(badJson(path));
		expect(() => checkCanonicalJsonValues(event(content), ROOM_V5)).not.toThrow();
		expect(() => checkCanonicalJsonValues(event(content), ROOM_V1)).not.toThrow();
	});

	it("checks top-level fields too", () => {
		expect(() => checkCanonicalJsonValues(event({}, { depth: 2 ** 60 }), ROOM_V6)).toThrow(badJson("depth"));
		expect(() => checkCanonicalJsonValues(event({}, { unsigned: { age: 0.5 } }), ROOM_V6)).toThrow(badJson("unsigned.age"));
	});

	it("accepts integers at the range limits and non-numbers", () => {
		const content = { max: 2 ** 53 - 1, min: -(2 ** 53 - 1), zero: 0, s: "1.5", b: true, n: null, a: [] };
		expect(() => checkCanonicalJsonValues(event(content), ROOM_V12)).not.toThrow();
	});
});
