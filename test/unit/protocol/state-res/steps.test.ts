// The algorithm's steps on their own: the orderings and their tie-breaks.
import { describe, expect, it } from "vitest";
import { ROOM_V10, ROOM_V12 } from "../../../../src/protocol/room-versions/rules";
import {
	compareReverseTopologicalPower,
	lexicographicalTopologicalSort,
	mainlineOf,
	mainlineOrdering,
	mainlinePosition,
	NO_MAINLINE_POSITION,
	senderPowerLevel,
	sortPowerEvents,
	StateResError,
} from "../../../../src/protocol/state-res";
import { ALICE, BOB, CAROL, dag, id, ROOM_START } from "./dag";

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const graphOf = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe("lexicographicalTopologicalSort (Kahn, smallest candidate first)", () => {
	it("puts every event after the events it cites, choosing the smallest ready one", () => {
		expect(lexicographicalTopologicalSort(graphOf({ c: ["a"], b: ["a"], a: [], d: ["c", "b"] }), byName)).toEqual(["a", "b", "c", "d"]);
	});

	it("lets a small event that becomes ready later overtake a larger one that was ready earlier", () => {
		// z is ready at once; b only after a. After a, b < z.
		expect(lexicographicalTopologicalSort(graphOf({ z: [], a: [], b: ["a"] }), byName)).toEqual(["a", "b", "z"]);
	});

	it("ignores edges to events outside the graph", () => {
		expect(lexicographicalTopologicalSort(graphOf({ b: ["outside"], a: ["b"] }), byName)).toEqual(["b", "a"]);
	});

	it("throws `cycle` on a cycle and on a self-citation", () => {
		expect(() => lexicographicalTopologicalSort(graphOf({ a: ["b"], b: ["a"], c: [] }), byName)).toThrow(StateResError);
		expect(() => lexicographicalTopologicalSort(graphOf({ a: ["a"] }), byName)).toThrow(/cites itself/);
	});
});

describe("compareReverseTopologicalPower", () => {
	it("orders by greater power, then smaller origin_server_ts, then smaller event ID", () => {
		expect(compareReverseTopologicalPower({ power: 100, ts: 9, id: "$z" }, { power: 50, ts: 1, id: "$a" })).toBeLessThan(0);
		expect(compareReverseTopologicalPower({ power: 50, ts: 1, id: "$z" }, { power: 50, ts: 2, id: "$a" })).toBeLessThan(0);
		expect(compareReverseTopologicalPower({ power: 50, ts: 1, id: "$a" }, { power: 50, ts: 1, id: "$b" })).toBeLessThan(0);
		expect(compareReverseTopologicalPower({ power: 50, ts: 1, id: "$a" }, { power: 50, ts: 1, id: "$a" })).toBe(0);
	});

	it("handles v12 creators' infinite power (no NaN from Infinity − Infinity)", () => {
		const inf = Number.POSITIVE_INFINITY;
		expect(compareReverseTopologicalPower({ power: inf, ts: 5, id: "$a" }, { power: inf, ts: 1, id: "$b" })).toBeGreaterThan(0);
		expect(compareReverseTopologicalPower({ power: inf, ts: 5, id: "$a" }, { power: 100, ts: 1, id: "$b" })).toBeLessThan(0);
	});

	it("compares event IDs by code point, not by UTF-16 unit", () => {
		// U+FF5E sorts after U+1F600 in UTF-16 units (0xFF5E > 0xD83D) but before it by code point.
		expect(compareReverseTopologicalPower({ power: 0, ts: 0, id: "$\uFF5E" }, { power: 0, ts: 0, id: "$\u{1F600}" })).toBeLessThan(0);
	});
});

describe("senderPowerLevel (from the event's own auth events)", () => {
	it("reads the cited power levels, falls back to the creator's 100 without them, and v12 creators are infinite", async () => {
		const { source, event } = dag({
			...ROOM_START,
			TOPIC: { type: "m.room.topic", stateKey: "", sender: BOB, auth: ["CREATE", "IMB", "IPOWER"] },
			EARLY: { type: "m.room.name", stateKey: "", auth: ["CREATE", "IMA"] },
		});
		expect(await senderPowerLevel(ROOM_V10, source, event("TOPIC"))).toBe(0);
		expect(await senderPowerLevel(ROOM_V10, source, event("IJR"))).toBe(100);
		expect(await senderPowerLevel(ROOM_V10, source, event("EARLY"))).toBe(100);
	});
});

describe("sortPowerEvents (step 1)", () => {
	it("sorts conflicted power events after their conflicted auth ancestors, then by sender power", async () => {
		const { source } = dag({
			...ROOM_START,
			PA: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100, [BOB]: 50 } }, auth: ["CREATE", "IMA", "IPOWER"], ts: 10 },
			// Bob (50 under PA) and Alice (100) act concurrently; Bob's event is older but Alice is more powerful.
			JB: { type: "m.room.join_rules", stateKey: "", sender: BOB, content: { join_rule: "invite" }, auth: ["CREATE", "IMB", "PA"], ts: 11 },
			JA: { type: "m.room.join_rules", stateKey: "", content: { join_rule: "knock" }, auth: ["CREATE", "IMA", "PA"], ts: 12 },
			TOPIC: { type: "m.room.topic", stateKey: "", auth: ["CREATE", "IMA", "PA"], ts: 13 },
		});
		const full = new Set([id("PA"), id("JB"), id("JA"), id("TOPIC")]);
		expect(await sortPowerEvents(ROOM_V10, source, full)).toEqual([id("PA"), id("JA"), id("JB")]);
	});
});

describe("mainline ordering (step 3)", () => {
	const rooms = dag({
		...ROOM_START,
		P1: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100, [BOB]: 50 } }, auth: ["CREATE", "IMA", "IPOWER"] },
		P2: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 50 } }, auth: ["CREATE", "IMA", "P1"] },
		// A side branch of power levels that is not on the mainline of P2.
		PX: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100 } }, auth: ["CREATE", "IMA", "P1"] },
		OLD: { type: "m.room.topic", stateKey: "", auth: ["CREATE", "IMA", "IPOWER"], ts: 50 },
		MID: { type: "m.room.topic", stateKey: "", auth: ["CREATE", "IMA", "P1"], ts: 40 },
		NEW: { type: "m.room.topic", stateKey: "", auth: ["CREATE", "IMA", "P2"], ts: 30 },
		SIDE: { type: "m.room.topic", stateKey: "", auth: ["CREATE", "IMA", "PX"], ts: 20 },
		NONE: { type: "m.room.topic", stateKey: "", auth: ["CREATE", "IMA"], ts: 60 },
		TIE_B: { type: "m.room.name", stateKey: "", auth: ["CREATE", "IMA", "P2"], ts: 30 },
	});

	it("builds the mainline by following power levels auth events: [P0, P1, ...]", async () => {
		expect([...(await mainlineOf(rooms.source, id("P2")))]).toEqual([
			[id("P2"), 0],
			[id("P1"), 1],
			[id("IPOWER"), 2],
		]);
	});

	it("positions an event by its closest power levels ancestor on the mainline (e0 itself excluded), else ∞", async () => {
		const mainline = await mainlineOf(rooms.source, id("P2"));
		expect(await mainlinePosition(rooms.source, rooms.event("NEW"), mainline)).toBe(0);
		expect(await mainlinePosition(rooms.source, rooms.event("SIDE"), mainline)).toBe(1);
		expect(await mainlinePosition(rooms.source, rooms.event("NONE"), mainline)).toBe(NO_MAINLINE_POSITION);
		// P2 is P0, but its own position comes from e1 = P1.
		expect(await mainlinePosition(rooms.source, rooms.event("P2"), mainline)).toBe(1);
	});

	it("orders greater positions first, then origin_server_ts (SIDE and MID share P1), then event ID", async () => {
		const ids = ["NEW", "TIE_B", "MID", "SIDE", "OLD", "NONE"].map(id);
		expect(await mainlineOrdering(rooms.source, ids, id("P2"))).toEqual(["NONE", "OLD", "SIDE", "MID", "NEW", "TIE_B"].map(id));
	});

	it("falls back to origin_server_ts and event ID when the partial state has no power levels", async () => {
		const ids = ["NEW", "MID", "OLD", "TIE_B"].map(id);
		expect(await mainlineOrdering(rooms.source, ids, undefined)).toEqual(["NEW", "TIE_B", "MID", "OLD"].map(id));
	});

	it("throws `cycle` if power levels events cite each other", async () => {
		const { source } = dag({
			A: { type: "m.room.power_levels", stateKey: "", auth: ["B"] },
			B: { type: "m.room.power_levels", stateKey: "", auth: ["A"] },
		});
		await expect(mainlineOf(source, id("A"))).rejects.toThrow(/loops/);
	});
});

describe("v12 rules in the steps", () => {
	it("reads the create event from the room ID when computing a sender's power", async () => {
		const createId = `$${"c".repeat(43)}`;
		const roomId = `!${createId.slice(1)}`;
		const { source, event } = dag({
			[createId.slice(1)]: { type: "m.room.create", stateKey: "", sender: ALICE, room: roomId },
			J: { type: "m.room.member", stateKey: ALICE, content: { membership: "join" }, room: roomId },
			K: { type: "m.room.member", stateKey: BOB, sender: BOB, content: { membership: "join" }, room: roomId },
		});
		expect(await senderPowerLevel(ROOM_V12, source, event("J"))).toBe(Number.POSITIVE_INFINITY);
		expect(await senderPowerLevel(ROOM_V12, source, event("K"))).toBe(0);
	});
});
