// Splitting the input states into the unconflicted state map and the conflicted state set.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Unconflicted state map and conflicted state set")

import type { ReadonlyStateMap, StateMap } from "./state-map";

export interface ConflictSplit {
	/** "If a given key K is present in every S_i with the same value V in each state map, then the pair (K, V) belongs to the unconflicted state map." */
	unconflicted: StateMap;
	/** "Otherwise, V belongs to the conflicted state set": per key, every event ID some state map holds. */
	conflicted: Map<string, Set<string>>;
}

/** A key missing from some state map is conflicted, even if every map that has it agrees. */
export function splitConflictedState(stateSets: readonly ReadonlyStateMap[]): ConflictSplit {
	const unconflicted: StateMap = new Map();
	const conflicted = new Map<string, Set<string>>();
	const keys = new Set<string>();
	for (const set of stateSets) for (const key of set.keys()) keys.add(key);
	for (const key of keys) {
		const values = new Set<string>();
		let inEvery = true;
		for (const set of stateSets) {
			const v = set.get(key);
			if (v === undefined) inEvery = false;
			else values.add(v);
		}
		const [only] = values;
		if (inEvery && values.size === 1 && only !== undefined) unconflicted.set(key, only);
		else conflicted.set(key, values);
	}
	return { unconflicted, conflicted };
}

/** Every event ID in the conflicted state set. */
export function conflictedEventIds(conflicted: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
	const out = new Set<string>();
	for (const ids of conflicted.values()) for (const id of ids) out.add(id);
	return out;
}
