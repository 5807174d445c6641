// The state maps that state resolution takes and returns: `(type, state_key) → event ID`.
// Spec: https://spec.matrix.org/latest/rooms/v2/#state-resolution ("Unconflicted state map and conflicted state set")

import { stateKeyString } from "../auth";

/**
 * A room state: `stateMapKey(type, state_key)` → event ID. The key is the auth module's
 * `stateKeyString`, so one state map can answer the auth rules' `(type, state_key)` lookups directly.
 */
export type StateMap = Map<string, string>;
export type ReadonlyStateMap = ReadonlyMap<string, string>;

/** The key of `(type, state_key)` in a `StateMap`: unambiguous for any strings (JSON of the pair). */
export function stateMapKey(type: string, stateKey: string): string {
	return stateKeyString(type, stateKey);
}

/** The `(type, state_key)` pair a `stateMapKey` encodes. */
export function parseStateMapKey(key: string): [type: string, stateKey: string] {
	const parsed: unknown = JSON.parse(key);
	if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "string" || typeof parsed[1] !== "string") {
		throw new TypeError(`not a state map key: ${key}`);
	}
	return [parsed[0], parsed[1]];
}

/** Builds a state map from `[type, state_key, event_id]` entries (the shape the test vectors and storage use). */
export function stateMapFromEntries(entries: Iterable<readonly [type: string, stateKey: string, eventId: string]>): StateMap {
	const map: StateMap = new Map();
	for (const [type, stateKey, eventId] of entries) map.set(stateMapKey(type, stateKey), eventId);
	return map;
}

/** The entries of a state map as `[type, state_key, event_id]`, sorted by type then state key. */
export function stateMapEntries(map: ReadonlyStateMap): [type: string, stateKey: string, eventId: string][] {
	const out: [string, string, string][] = [];
	for (const [key, eventId] of map) {
		const [type, stateKey] = parseStateMapKey(key);
		out.push([type, stateKey, eventId]);
	}
	return out.sort((a, b) => (a[0] === b[0] ? cmp(a[1], b[1]) : cmp(a[0], b[0])));
}

function cmp(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
