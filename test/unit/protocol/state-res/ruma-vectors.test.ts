// ruma-state-res's integration tests (tests/it/resolve.rs): room v10 (state res v2.0), v11 and v12 (v2.1, MSC4297).
import { describe, expect, it } from "vitest";
import type { RoomEvent } from "../../../../src/protocol/events/pdu";
import { ROOM_V10, ROOM_V11, ROOM_V12, type RoomVersionRules } from "../../../../src/protocol/room-versions/rules";
import { type StateMap, stateMapEntries, stateMapKey } from "../../../../src/protocol/state-res";
import { EventStore, readVector, resolveWith, roomEventOf, type StateEntry, type VectorEvent } from "./vectors";

interface RumaTest {
	name: string;
	mode: "batches" | "state_maps";
	room_version: string;
	pdu_batches: VectorEvent[][];
	state_maps: string[][];
	expected_resolved_state: { type: string; state_key: string; event_id: string }[];
}

const RULES: Record<string, RoomVersionRules> = { "10": ROOM_V10, "11": ROOM_V11, "12": ROOM_V12 };
const vectors = readVector<{ tests: RumaTest[] }>("state-res-ruma.json");

/**
 * ruma's v12 fixtures name the room `!00-m-room-create`, which is not a room ID of the v12 form
 * (`!` + 43 URL-safe base64 characters), so our `createEventIdOfRoomId` rightly finds no create event
 * in it. Pad the create event's ID to that form everywhere; padding with a suffix keeps the event-ID
 * order of the tie-breaks, since no other ID starts with the create event's.
 */
function renameForV12(test: RumaTest): (id: string) => string {
	const createId = test.pdu_batches[0]?.[0]?.event_id ?? "";
	const padded = `${createId}${"0".repeat(Math.max(0, 44 - createId.length))}`;
	return (id) => (id === createId ? padded : id);
}

function loadEvents(test: RumaTest, rules: RoomVersionRules): { batches: RoomEvent[][]; rename: (id: string) => string } {
	const rename = rules.auth.roomIdIsCreateEventId ? renameForV12(test) : (id: string) => id;
	const batches = test.pdu_batches.map((batch) =>
		batch.map((raw) => {
			const renamed: VectorEvent = {
				...raw,
				event_id: rename(raw.event_id),
				auth_events: raw.auth_events.map(rename),
				prev_events: raw.prev_events.map(rename),
			};
			const createId = rename(test.pdu_batches[0]?.[0]?.event_id ?? "");
			const roomId = rules.auth.roomIdIsCreateEventId ? `!${createId.slice(1)}` : (raw.room_id ?? "");
			return roomEventOf(renamed, roomId);
		}),
	);
	return { batches, rename };
}

const single = (event: RoomEvent): StateMap => new Map([[stateMapKey(event.type, event.state_key ?? ""), event.event_id]]);

/** ruma's "iterative" mode: walk the DAG along prev_events, then resolve the states at the leaves. */
async function resolveIteratively(rules: RoomVersionRules, store: EventStore, events: RoomEvent[]): Promise<StateMap> {
	const stateAt = new Map<string, StateMap>();
	const pending = [...events];
	while (pending.length > 0) {
		const index = pending.findIndex((e) => e.prev_events.every((p) => stateAt.has(p)));
		const event = pending.splice(index, 1)[0];
		if (index < 0 || !event) throw new Error("prev_events do not form a DAG over the batch");
		const before = await resolveWith(rules, store, event.prev_events.map((p) => stateAt.get(p) ?? new Map()));
		// The event enters the state only if resolution lets it: resolve the state with it against the state without.
		stateAt.set(event.event_id, await resolveWith(rules, store, [before, store.stateAfter(before, event)]));
	}
	const cited = new Set(events.flatMap((e) => e.prev_events));
	const leaves = events.filter((e) => !cited.has(e.event_id));
	return resolveWith(rules, store, leaves.map((e) => stateAt.get(e.event_id) ?? new Map()));
}

/** ruma's "batched" mode: each batch's PDUs in their own state maps, resolved with the previous result. */
async function resolveBatched(rules: RoomVersionRules, store: EventStore, batches: RoomEvent[][]): Promise<StateMap> {
	let state: StateMap | undefined;
	for (const batch of batches) state = await resolveWith(rules, store, [...(state ? [state] : []), ...batch.map(single)]);
	return state ?? new Map();
}

describe("state res: ruma's resolve tests", () => {
	for (const test of vectors.tests) {
		it(`${test.name} (room v${test.room_version}, ${test.mode})`, async () => {
			const rules = RULES[test.room_version];
			if (!rules) throw new Error(`no rules for room version ${test.room_version}`);
			const { batches, rename } = loadEvents(test, rules);
			const store = new EventStore();
			for (const event of batches.flat()) store.add(event);
			const expected = stateMapEntries(
				new Map(test.expected_resolved_state.map((e) => [stateMapKey(e.type, e.state_key), rename(e.event_id)])),
			);
			const entries = (m: StateMap): StateEntry[] => stateMapEntries(m);

			if (test.mode === "state_maps") {
				const maps = test.state_maps.map((ids) => new Map(ids.map(rename).map((id) => {
					const event = store.get(id);
					if (!event) throw new Error(`state map names unknown event ${id}`);
					return [stateMapKey(event.type, event.state_key ?? ""), id];
				})));
				expect(entries(await resolveWith(rules, store, maps))).toEqual(expected);
				return;
			}
			const all = batches.flat();
			expect(entries(await resolveWith(rules, store, all.map(single))), "atomic").toEqual(expected);
			expect(entries(await resolveBatched(rules, store, batches)), "batched").toEqual(expected);
			expect(entries(await resolveIteratively(rules, store, all)), "iterative").toEqual(expected);
		});
	}
});
