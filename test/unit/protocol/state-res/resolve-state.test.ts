// resolveState's definitions (conflicts, auth difference, v2.1 subgraph) and its bounds.
import { describe, expect, it } from "vitest";
import { ROOM_V1, ROOM_V10 } from "../../../../src/protocol/room-versions/rules";
import {
	authDifference,
	conflictedStateSubgraph,
	EventSource,
	fullAuthChain,
	isPowerEvent,
	resolveState,
	splitConflictedState,
	stateMapFromEntries,
	stateMapKey,
} from "../../../../src/protocol/state-res";
import { ALICE, BOB, dag, id, ROOM_START } from "./dag";

const m = (...entries: [string, string, string][]) => stateMapFromEntries(entries);

describe("unconflicted state map and conflicted state set", () => {
	it("puts a key in the unconflicted map only if every state map has it with the same value", () => {
		const { unconflicted, conflicted } = splitConflictedState([
			m(["t", "", "$a"], ["u", "", "$b"], ["v", "", "$c"]),
			m(["t", "", "$a"], ["u", "", "$x"]),
		]);
		expect([...unconflicted]).toEqual([[stateMapKey("t", ""), "$a"]]);
		expect(conflicted.get(stateMapKey("u", ""))).toEqual(new Set(["$b", "$x"]));
		// Missing from one map: conflicted, with the one value there is.
		expect(conflicted.get(stateMapKey("v", ""))).toEqual(new Set(["$c"]));
	});
});

describe("auth chains and the auth difference", () => {
	it("walks auth_events recursively, without the starting events", async () => {
		const { source } = dag(ROOM_START);
		expect(await fullAuthChain(source, [id("IMB")])).toEqual(new Set(["CREATE", "IJR", "IPOWER", "IMA"].map(id)));
	});

	it("is ∪C − ∩C", () => {
		expect(authDifference([new Set(["a", "b", "c"]), new Set(["b", "c", "d"]), new Set(["c", "b"])])).toEqual(new Set(["a", "d"]));
	});
});

describe("conflicted state subgraph (v2.1)", () => {
	it("holds the events on auth paths between conflicted events, endpoints included", async () => {
		const { source } = dag({
			A: { type: "t", stateKey: "" },
			B: { type: "t", stateKey: "", auth: ["A"] },
			C: { type: "t", stateKey: "", auth: ["B"] },
			D: { type: "u", stateKey: "", auth: ["C"] },
			OFF: { type: "t", stateKey: "", auth: ["A"] },
		});
		// A and D conflict: B and C lie between them, OFF is only reachable from neither path.
		expect(await conflictedStateSubgraph(source, new Set([id("A"), id("D")]))).toEqual(new Set(["A", "B", "C", "D"].map(id)));
		// Below the lowest conflicted event nothing is "between".
		expect(await conflictedStateSubgraph(source, new Set([id("C"), id("OFF")]))).toEqual(new Set([id("C"), id("OFF")]));
	});
});

describe("power events", () => {
	it("are power levels, join rules, create, and kicks/bans of others — not leaves of oneself", () => {
		const { event } = dag({
			...ROOM_START,
			KICK: { type: "m.room.member", stateKey: BOB, content: { membership: "leave" } },
			LEAVE: { type: "m.room.member", stateKey: ALICE, content: { membership: "leave" } },
			TOPIC: { type: "m.room.topic", stateKey: "" },
		});
		expect(["CREATE", "IPOWER", "IJR", "KICK"].map((n) => isPowerEvent(event(n)))).toEqual([true, true, true, true]);
		expect(["LEAVE", "TOPIC", "IMB"].map((n) => isPowerEvent(event(n)))).toEqual([false, false, false]);
	});
});

describe("resolveState", () => {
	const base = m(
		["m.room.create", "", id("CREATE")],
		["m.room.member", ALICE, id("IMA")],
		["m.room.power_levels", "", id("IPOWER")],
		["m.room.join_rules", "", id("IJR")],
		["m.room.member", BOB, id("IMB")],
	);

	it("returns the unconflicted state when nothing conflicts, without reading events", async () => {
		const read: string[] = [];
		const resolved = await resolveState(ROOM_V10, [base, new Map(base)], (eventId) => {
			read.push(eventId);
			return undefined;
		});
		expect(resolved).toEqual(base);
		expect(read).toEqual([]);
	});

	it("never uses a rejected event as an auth event", async () => {
		const { store } = dag({
			...ROOM_START,
			// Bob's topic needs a power levels event that lets him; the only one that does was rejected.
			PB: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100, [BOB]: 100 } }, auth: ["CREATE", "IMA", "IPOWER"] },
			TB: { type: "m.room.topic", stateKey: "", sender: BOB, content: { topic: "b" }, auth: ["CREATE", "IMB", "PB"] },
		});
		const withTopic = new Map(base).set(stateMapKey("m.room.topic", ""), id("TB"));
		const accepted = await resolveState(ROOM_V10, [base, withTopic], store.get);
		expect(accepted.get(stateMapKey("m.room.topic", ""))).toBe(id("TB"));
		const rejected = await resolveState(ROOM_V10, [base, withTopic], store.get, { isRejected: (e) => e === id("PB") });
		expect(rejected.has(stateMapKey("m.room.topic", ""))).toBe(false);
	});

	it("leaves out conflicted events the store does not have", async () => {
		const { store } = dag(ROOM_START);
		const other = new Map(base).set(stateMapKey("m.room.topic", ""), "$unknown");
		expect(await resolveState(ROOM_V10, [base, other], store.get)).toEqual(base);
	});

	it("throws `too-large` past maxEvents", async () => {
		const { store } = dag(ROOM_START);
		const other = new Map(base).set(stateMapKey("m.room.member", BOB), id("IMA"));
		await expect(resolveState(ROOM_V10, [base, other], store.get, { maxEvents: 2 })).rejects.toMatchObject({ kind: "too-large" });
	});

	it("throws `wrong-room` when an event of another room turns up", async () => {
		const { store } = dag({ ...ROOM_START, ALIEN: { type: "m.room.topic", stateKey: "", room: "!other:example.com", auth: ["CREATE"] } });
		const other = new Map(base).set(stateMapKey("m.room.topic", ""), id("ALIEN"));
		await expect(resolveState(ROOM_V10, [base, other], store.get)).rejects.toMatchObject({ kind: "wrong-room" });
	});

	it("throws `cycle` when conflicted power events cite each other", async () => {
		const { store } = dag({
			...ROOM_START,
			X: { type: "m.room.power_levels", stateKey: "", auth: ["CREATE", "Y"] },
			Y: { type: "m.room.join_rules", stateKey: "", auth: ["CREATE", "X"] },
		});
		const other = m(["m.room.power_levels", "", id("X")], ["m.room.join_rules", "", id("Y")]);
		await expect(resolveState(ROOM_V10, [base, other], store.get)).rejects.toMatchObject({ kind: "cycle" });
	});

	it("takes precomputed auth chains, one per state set", async () => {
		const { store, source } = dag(ROOM_START);
		const other = new Map(base);
		other.delete(stateMapKey("m.room.member", BOB));
		const chains = [await fullAuthChain(source, base.values()), await fullAuthChain(new EventSource(store.get), other.values())];
		expect(await resolveState(ROOM_V10, [base, other], store.get, { authChains: chains })).toEqual(base);
		await expect(resolveState(ROOM_V10, [base, other], store.get, { authChains: chains.slice(1) })).rejects.toThrow(/one entry per state set/);
	});
});
