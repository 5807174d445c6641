// Synapse's state-res v2 scenarios (tests/state/test_v2.py), materialised with every event written out.
import { describe, expect, it } from "vitest";
import { ROOM_V2 } from "../../../../src/protocol/room-versions/rules";
import { lexicographicalTopologicalSort, type StateMap, stateMapEntries } from "../../../../src/protocol/state-res";
import { EventStore, readVector, resolveWith, roomEventOf, type StateEntry, toMap, type VectorEvent } from "./vectors";

interface ScenarioEvent extends VectorEvent {
	state_before: StateEntry[];
	resolved_from_forks: boolean;
}
interface Scenario {
	name: string;
	processing_order: string[];
	events: ScenarioEvent[];
	state_at_END: StateEntry[];
	expected_changed_state: StateEntry[];
}
interface ConcurrentCase {
	name: string;
	events: VectorEvent[];
	state_sets: StateEntry[][];
	expected_resolved_state: StateEntry[];
}
interface LexCase {
	synapse_test: string;
	graph_edges_to_prev: Record<string, string[]>;
	expected_order: string[];
}
interface SynapseVectors {
	scenarios: Scenario[];
	concurrent_state_sets: ConcurrentCase[];
	lexicographical_topological_sort: LexCase[];
}

const vectors = readVector<SynapseVectors>("state-res-v2-synapse.json");
// Synapse's test events are room-version-1 shaped with explicit IDs, resolved with state res v2:
// room version 2 has the same auth rules as v1 and state res v2.
const RULES = ROOM_V2;
const ROOM = "!room:example.com";
const sorted = (m: StateMap) => stateMapEntries(m);
const sortEntries = (e: StateEntry[]) => stateMapEntries(toMap(e));

describe("state res v2: Synapse scenarios", () => {
	for (const scenario of vectors.scenarios) {
		it(scenario.name, async () => {
			const store = new EventStore();
			const byShortName = new Map(scenario.events.map((e) => [e.event_id.slice(1).split(":")[0] ?? "", e]));
			const stateAfter = new Map<string, StateMap>();
			// Replay the DAG in Synapse's order: the state before each event is the resolution of the
			// states after its prev_events (just the one state when there is a single prev_event).
			for (const name of scenario.processing_order) {
				const raw = byShortName.get(name);
				if (!raw) throw new Error(`no event ${name}`);
				const event = roomEventOf(raw, ROOM);
				store.add(event);
				const prevStates = event.prev_events.map((id) => stateAfter.get(id) ?? new Map<string, string>());
				const before = prevStates.length === 1 ? (prevStates[0] ?? new Map()) : await resolveWith(RULES, store, prevStates);
				expect(sorted(before), `state before ${name}`).toEqual(sortEntries(raw.state_before));
				stateAfter.set(event.event_id, store.stateAfter(before, event));
			}
			const end = scenario.events.find((e) => e.event_id.startsWith("$END:"));
			const endState = end ? stateAfter.get(end.event_id) : undefined;
			expect(endState && sorted(endState)).toEqual(sortEntries(scenario.state_at_END));
			for (const [type, stateKey, eventId] of scenario.expected_changed_state) {
				expect(endState?.get(JSON.stringify([type, stateKey]))).toBe(eventId);
			}
		});
	}

	for (const c of vectors.concurrent_state_sets) {
		it(c.name, async () => {
			const store = new EventStore();
			for (const raw of c.events) store.add(roomEventOf(raw, ROOM));
			const resolved = await resolveWith(RULES, store, c.state_sets.map(toMap));
			expect(sorted(resolved)).toEqual(sortEntries(c.expected_resolved_state));
		});
	}

	for (const c of vectors.lexicographical_topological_sort) {
		it(`lexicographical topological sort (${c.synapse_test.split("::").pop()})`, () => {
			const graph = new Map(Object.entries(c.graph_edges_to_prev).map(([k, v]) => [k, new Set(v)]));
			expect(lexicographicalTopologicalSort(graph, (a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(c.expected_order);
		});
	}
});
