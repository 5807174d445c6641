// Auth chains of state sets and the auth difference between them.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Auth chain", "Auth difference")

import type { EventSource } from "./event-source";
import type { ReadonlyStateMap } from "./state-map";

/**
 * "The auth chain of an event E is the set containing all of E's auth events, all of their auth
 * events, and so on recursively": E itself is not in it. The full auth chain of a state set is the
 * union over its events. An auth event the store lacks is kept as an ID but not walked past.
 */
export async function fullAuthChain(source: EventSource, eventIds: Iterable<string>): Promise<Set<string>> {
	const chain = new Set<string>();
	const stack: string[] = [];
	for (const id of eventIds) {
		const event = await source.get(id);
		if (event) stack.push(...event.auth_events);
	}
	// The visited set bounds the walk even if a malformed graph has cycles.
	for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
		if (chain.has(id)) continue;
		chain.add(id);
		const event = await source.get(id);
		if (event) for (const auth of event.auth_events) if (!chain.has(auth)) stack.push(auth);
	}
	return chain;
}

/** The full auth chain of each state set, in order. */
export async function authChainsOfStateSets(source: EventSource, stateSets: readonly ReadonlyStateMap[]): Promise<Set<string>[]> {
	const out: Set<string>[] = [];
	for (const set of stateSets) out.push(await fullAuthChain(source, set.values()));
	return out;
}

/**
 * "If C_i is the full auth chain of S_i, then the auth difference is ∪ C_i − ∩ C_i": every event that
 * does not appear in every auth chain.
 */
export function authDifference(authChains: readonly ReadonlySet<string>[]): Set<string> {
	const counts = new Map<string, number>();
	for (const chain of authChains) for (const id of chain) counts.set(id, (counts.get(id) ?? 0) + 1);
	const out = new Set<string>();
	for (const [id, count] of counts) if (count < authChains.length) out.add(id);
	return out;
}
