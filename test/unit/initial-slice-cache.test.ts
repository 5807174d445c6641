// The UserDO's initial-slice memory (user/sync/initial-slice-cache.ts): an answer stands only while the
// room's logged timeline and ephemeral positions are the ones it came at, only for a joined room, only
// for the same request, and never longer than MAX_AGE_MS; served ages are current.
import { describe, expect, it } from "vitest";
import type { SyncSlice } from "../../src/worker/room/api";
import { InitialSliceCache, MAX_AGE_MS, type SliceWithEphemeral } from "../../src/worker/user/sync/initial-slice-cache";

const ROOM = "!r:example.org";
const request = { user_id: "@a:example.org", device_id: "D", since: null, timeline_limit: 10, full_state: false, lazy_load_members: false, use_state_after: false };

function answer(membership: SyncSlice["membership"], position = 7, ephemeral = 3, limited = true): SliceWithEphemeral {
	const event = { type: "m.room.message", event_id: "$e", sender: "@b:example.org", origin_server_ts: 1_000, content: { body: "x", unsigned: { age: 1 } }, unsigned: { age: 5 } };
	return {
		slice: { membership, position, timeline: [event] as SyncSlice["timeline"], limited, prev_batch: "p", state: [] },
		ephemeral: membership === "join" ? { position: ephemeral, typing: [], receipts: null } : null,
	};
}

const logged = (timeline: number | null, ephemeral: number | null) => (_room: string, kind: "timeline" | "ephemeral") => (kind === "timeline" ? timeline : ephemeral);

describe("InitialSliceCache", () => {
	it("serves an answer while both positions stand, with ages as of now and content untouched", () => {
		const cache = new InitialSliceCache();
		cache.put(ROOM, request, answer("join"), 100, 2_000);
		const hit = cache.get(ROOM, { ...request }, 2_500, logged(7, 3));
		expect(hit?.slice.timeline[0]!.unsigned).toEqual({ age: 1_500 });
		expect(hit?.slice.timeline[0]!.content).toEqual({ body: "x", unsigned: { age: 1 } });
	});

	it("forgets it when the room moved (timeline or ephemeral), or when the request differs", () => {
		for (const [t, e] of [[8, 3], [7, 4], [null, 3]] as const) {
			const cache = new InitialSliceCache();
			cache.put(ROOM, request, answer("join"), 100, 0);
			expect(cache.get(ROOM, request, 0, logged(t, e))).toBeNull();
			expect(cache.size).toBe(0);
		}
		const cache = new InitialSliceCache();
		cache.put(ROOM, request, answer("join"), 100, 0);
		expect(cache.get(ROOM, { ...request, lazy_load_members: true }, 0, logged(7, 3))).toBeNull();
		expect(cache.get(ROOM, { ...request, device_id: "E" }, 0, logged(7, 3))).toBeNull();
		expect(cache.get("!other:example.org", request, 0, logged(7, 3))).toBeNull();
		expect(cache.get(ROOM, request, 0, logged(7, 3))).not.toBeNull();
	});

	it("keeps only joined rooms' answers, and none past MAX_AGE_MS", () => {
		const cache = new InitialSliceCache();
		for (const m of ["invite", "leave", "ban", "knock", null] as const) cache.put(ROOM, request, answer(m), 100, 0);
		expect(cache.size).toBe(0);
		cache.put(ROOM, request, answer("join"), 100, 0);
		expect(cache.get(ROOM, request, MAX_AGE_MS, logged(7, 3))).not.toBeNull();
		expect(cache.get(ROOM, request, MAX_AGE_MS + 1, logged(7, 3))).toBeNull();
	});

	it("keeps only timelines backfill cannot change: limited ones, or ones from m.room.create on", () => {
		const cache = new InitialSliceCache();
		cache.put(ROOM, request, answer("join", 7, 3, false), 100, 0);
		expect(cache.size).toBe(0);
		const whole = answer("join", 7, 3, false);
		whole.slice.timeline.unshift({ type: "m.room.create", event_id: "$c", sender: "@b:example.org", origin_server_ts: 1, content: {}, state_key: "" } as SyncSlice["timeline"][number]);
		cache.put(ROOM, request, whole, 100, 0);
		expect(cache.get(ROOM, request, 0, logged(7, 3))).not.toBeNull();
	});

	it("is bounded: an oversized answer is not kept, and the least recently used go first", () => {
		const cache = new InitialSliceCache();
		cache.put(ROOM, request, answer("join"), 300_000, 0);
		expect(cache.size).toBe(0);
		for (let i = 0; i < 1_001; i++) cache.put(`!r${i}:example.org`, request, answer("join"), 100, 0);
		expect(cache.size).toBe(1_000);
		expect(cache.get("!r0:example.org", request, 0, logged(7, 3))).toBeNull();
		expect(cache.get("!r1:example.org", request, 0, logged(7, 3))).not.toBeNull();
		// Nearly 2,000,000 characters in all: the oldest make room.
		for (let i = 0; i < 10; i++) cache.put(`!big${i}:example.org`, request, answer("join"), 240_000, 0);
		expect(cache.get("!big9:example.org", request, 0, logged(7, 3))).not.toBeNull();
		expect(cache.get("!big0:example.org", request, 0, logged(7, 3))).toBeNull();
	});
});
