// Sync filters and tokens: the pure parts of /sync.
import { describe, expect, it } from "vitest";
import { eventMatches, FilterError, matchesPattern, parseFilter, roomMatches, timelineLimit } from "../../src/protocol/sync/filter";
import { formatSyncToken, MAX_AHEAD, parseSyncToken } from "../../src/protocol/sync/sync-token";

describe("parseFilter", () => {
	it("accepts the spec's example and keeps only known fields", () => {
		const f = parseFilter({
			room: { state: { types: ["m.room.*"], not_rooms: ["!726s6s6q:example.com"] }, timeline: { limit: 10, lazy_load_members: true } },
			presence: { types: ["m.presence"], not_senders: ["@alice:example.com"] },
			event_format: "client",
			event_fields: ["type", "content", "sender"],
			unknown: 1,
		});
		expect(f.room?.timeline).toEqual({ limit: 10, lazy_load_members: true });
		expect(f).not.toHaveProperty("unknown");
		expect(timelineLimit(f)).toBe(10);
		expect(timelineLimit({})).toBe(10);
		expect(timelineLimit({ room: { timeline: { limit: 5000 } } })).toBe(100);
	});

	it("names the first bad field", () => {
		expect(() => parseFilter({ room: { timeline: { limit: 0 } } })).toThrow(FilterError);
		expect(() => parseFilter({ room: { timeline: { limit: 1.5 } } })).toThrow(/limit/);
		expect(() => parseFilter({ room: { rooms: [1] } })).toThrow(/rooms/);
		expect(() => parseFilter({ room: { include_leave: "yes" } })).toThrow(/include_leave/);
		expect(() => parseFilter({ account_data: [] })).toThrow(/account_data/);
		expect(() => parseFilter({ event_format: "xml" })).toThrow(/event_format/);
	});
});

describe("matching", () => {
	it("wildcards match any sequence, and not_ lists win", () => {
		expect(matchesPattern("m.room.*", "m.room.message")).toBe(true);
		expect(matchesPattern("m.room.*", "m.roomx")).toBe(false);
		expect(matchesPattern("m.(x)", "m.(x)")).toBe(true);
		expect(eventMatches({ types: ["m.*"], not_types: ["m.typing"] }, { type: "m.typing" })).toBe(false);
		expect(eventMatches({ senders: ["@a:x"] }, { type: "t", sender: "@b:x" })).toBe(false);
		expect(eventMatches(undefined, { type: "t" })).toBe(true);
		expect(roomMatches({ rooms: ["!a:x"], not_rooms: ["!a:x"] }, "!a:x")).toBe(false);
		expect(roomMatches({ rooms: ["!a:x"] }, "!b:x")).toBe(false);
	});
});

describe("sync tokens", () => {
	it("round-trip and refuse what we did not issue", () => {
		const t = { user: 12, to_device: 3, device_lists: 0 };
		expect(parseSyncToken(formatSyncToken(t))).toEqual(t);
		for (const bad of ["", "s1_2", "s1_2_3_4", "sx_1_2", "s-1_0_0", "s1234567890123456_0_0"]) expect(parseSyncToken(bad)).toBeUndefined();
	});

	it("carry room positions ahead of the user stream, a bounded number of them", () => {
		const t = {
			user: 40,
			to_device: 2,
			device_lists: 1,
			ahead: [
				{ room: 7, kind: "timeline" as const, position: 1234 },
				{ room: 7, kind: "ephemeral" as const, position: 9 },
			],
		};
		expect(formatSyncToken(t)).toBe("s40_2_1_t7.1234_e7.9");
		expect(parseSyncToken(formatSyncToken(t))).toEqual(t);
		const nine = `s1_0_0${"_t1.1".repeat(MAX_AHEAD + 1)}`;
		for (const bad of ["s1_0_0_t1", "s1_0_0_x1.2", "s1_0_0_t1.2_", "s1_0_0_t.2", nine]) expect(parseSyncToken(bad)).toBeUndefined();
		expect(parseSyncToken(`s1_0_0${"_t1.1".repeat(MAX_AHEAD)}`)?.ahead).toHaveLength(MAX_AHEAD);
	});
});
