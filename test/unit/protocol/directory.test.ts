import { describe, expect, it } from "vitest";
import { pageDirectory, parseSinceToken, type PublicRoomChunk, summariseRoom } from "../../../src/protocol/directory/public-room";
import type { JsonObject } from "../../../src/protocol/events/pdu";

function room(id: string, members: number, extra: Partial<PublicRoomChunk> = {}): PublicRoomChunk {
	return { room_id: id, num_joined_members: members, world_readable: false, guest_can_join: false, ...extra };
}

describe("summariseRoom", () => {
	it("reads the spec's fields from state and omits what the room lacks", () => {
		const state: Record<string, JsonObject> = {
			"m.room.name": { name: "N" },
			"m.room.topic": { topic: "" },
			"m.room.history_visibility": { history_visibility: "world_readable" },
			"m.room.guest_access": { guest_access: "forbidden" },
			"m.room.join_rules": { join_rule: "knock" },
			"m.room.avatar": { url: "mxc://x/y" },
			"m.room.create": { type: "m.space" },
		};
		expect(summariseRoom("!r:x", (t) => state[t], 3)).toEqual({
			room_id: "!r:x",
			num_joined_members: 3,
			world_readable: true,
			guest_can_join: false,
			name: "N",
			join_rule: "knock",
			avatar_url: "mxc://x/y",
			room_type: "m.space",
		});
		expect(summariseRoom("!r:x", () => undefined, 0)).toEqual(room("!r:x", 0));
	});
});

describe("pageDirectory", () => {
	const rooms = [room("!b:x", 5, { name: "Beta" }), room("!a:x", 5, { topic: "alpha topic" }), room("!c:x", 9, { canonical_alias: "#gamma:x" })];

	it("orders by members then room ID and pages with o<offset> tokens", () => {
		const first = pageDirectory(rooms, { limit: 2 });
		expect(first.chunk.map((r) => r.room_id)).toEqual(["!c:x", "!a:x"]);
		expect(first).toMatchObject({ next_batch: "o2", total_room_count_estimate: 3 });
		expect(first.prev_batch).toBeUndefined();
		const second = pageDirectory(rooms, { limit: 2, since: "o2" });
		expect(second.chunk.map((r) => r.room_id)).toEqual(["!b:x"]);
		expect(second).toMatchObject({ prev_batch: "o0" });
		expect(second.next_batch).toBeUndefined();
	});

	it("searches name, topic and alias case-insensitively", () => {
		expect(pageDirectory(rooms, { searchTerm: "ALPHA" }).chunk.map((r) => r.room_id)).toEqual(["!a:x"]);
		expect(pageDirectory(rooms, { searchTerm: "gam" }).chunk.map((r) => r.room_id)).toEqual(["!c:x"]);
		expect(pageDirectory(rooms, { searchTerm: "  " }).chunk).toHaveLength(3);
	});

	it("accepts only its own tokens", () => {
		expect(parseSinceToken(undefined)).toBe(0);
		expect(parseSinceToken("o12")).toBe(12);
		for (const bad of ["12", "o", "o-1", "x12", "o1e3"]) expect(parseSinceToken(bad)).toBeUndefined();
	});
});
