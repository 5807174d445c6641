// State resolution v1 (room version 1): the spec's passes, on small hand-built forks.
import { describe, expect, it } from "vitest";
import { ROOM_V1 } from "../../../../src/protocol/room-versions/rules";
import { resolveState, stateMapFromEntries, stateMapKey } from "../../../../src/protocol/state-res";
import { ALICE, BOB, dag, id, ROOM_START } from "./dag";

const m = (...entries: [string, string, string][]) => stateMapFromEntries(entries);
const base: [string, string, string][] = [
	["m.room.create", "", id("CREATE")],
	["m.room.member", ALICE, id("IMA")],
	["m.room.join_rules", "", id("IJR")],
	["m.room.member", BOB, id("IMB")],
];
const PL = stateMapKey("m.room.power_levels", "");
const TOPIC = stateMapKey("m.room.topic", "");

// Depths make the order explicit: v1 sorts by depth, then by SHA-1 of the event ID.
const room = dag({
	...ROOM_START,
	// Alice raises Bob to 100 (depth 5); Bob also makes himself 100 and lowers the ban level (depth 6),
	// which he may do only once PA has raised him.
	PA: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100, [BOB]: 100 } }, auth: ["CREATE", "IMA", "IPOWER"], depth: 5 },
	PB: { type: "m.room.power_levels", stateKey: "", sender: BOB, content: { users: { [ALICE]: 100, [BOB]: 100 }, ban: 0 }, auth: ["CREATE", "IMB", "IPOWER"], depth: 6 },
	TA: { type: "m.room.topic", stateKey: "", content: { topic: "a" }, auth: ["CREATE", "IMA", "IPOWER"], depth: 7 },
	TB: { type: "m.room.topic", stateKey: "", sender: BOB, content: { topic: "b" }, auth: ["CREATE", "IMB", "IPOWER"], depth: 8 },
});

describe("state resolution v1", () => {
	it("keeps keys only some states have (no conflict in v1)", async () => {
		const resolved = await resolveState(ROOM_V1, [m(...base, ["m.room.topic", "", id("TA")]), m(...base)], room.store.get);
		expect(resolved.get(TOPIC)).toBe(id("TA"));
	});

	it("power levels: the lowest-depth event first, then later ones only while each is allowed", async () => {
		// IPOWER (depth 0) first; PA is allowed (Alice is 100); PB is allowed under PA (Bob is 100 there).
		const all = await resolveState(
			ROOM_V1,
			[m(...base, ["m.room.power_levels", "", id("IPOWER")]), m(...base, ["m.room.power_levels", "", id("PA")]), m(...base, ["m.room.power_levels", "", id("PB")])],
			room.store.get,
		);
		expect(all.get(PL)).toBe(id("PB"));
		// Without PA, Bob's PB is not allowed under IPOWER, so the pass stops at IPOWER.
		const withoutPa = await resolveState(
			ROOM_V1,
			[m(...base, ["m.room.power_levels", "", id("IPOWER")]), m(...base, ["m.room.power_levels", "", id("PB")])],
			room.store.get,
		);
		expect(withoutPa.get(PL)).toBe(id("IPOWER"));
	});

	it("other conflicts: the highest-depth event that passes auth in R", async () => {
		const sets = (pl: string) => [
			m(...base, ["m.room.power_levels", "", id(pl)], ["m.room.topic", "", id("TA")]),
			m(...base, ["m.room.power_levels", "", id(pl)], ["m.room.topic", "", id("TB")]),
		];
		// Under IPOWER Bob (0) may not set the topic (state_default 50): Alice's lower event wins.
		expect((await resolveState(ROOM_V1, sets("IPOWER"), room.store.get)).get(TOPIC)).toBe(id("TA"));
		// Under PA Bob is 100, and his topic is deeper.
		expect((await resolveState(ROOM_V1, sets("PA"), room.store.get)).get(TOPIC)).toBe(id("TB"));
	});
});
