// The conflicted state subgraph of state resolution v2.1 (room version 12, MSC4297).
// Spec: https://spec.matrix.org/latest/rooms/v12/#definitions ("Conflicted state subgraph")

import type { EventSource } from "./event-source";

/**
 * "Starting from an event in the conflicted state set and following `auth_events` edges may lead to
 * another event in the conflicted state set. The union of all such paths between any pair of events
 * in the conflicted state set (including endpoints) forms a subgraph of the original `auth_event`
 * graph, called the conflicted state subgraph."
 *
 * An event is on such a path iff it is reachable from a conflicted event and a conflicted event is
 * reachable from it. So: walk forward (along `auth_events`) from the conflicted set, then walk the
 * reversed edges of what was reached back from the conflicted set; the subgraph is what both reach.
 */
export async function conflictedStateSubgraph(source: EventSource, conflicted: ReadonlySet<string>): Promise<Set<string>> {
	// Forward: everything reachable from a conflicted event, with the reversed edges seen on the way.
	const reached = new Set<string>(conflicted);
	const citedBy = new Map<string, string[]>();
	const stack = [...conflicted];
	for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
		const event = await source.get(id);
		if (!event) continue;
		for (const auth of event.auth_events) {
			const list = citedBy.get(auth);
			if (list) list.push(id);
			else citedBy.set(auth, [id]);
			if (!reached.has(auth)) {
				reached.add(auth);
				stack.push(auth);
			}
		}
	}
	// Backward: everything within `reached` from which some conflicted event is reachable.
	const subgraph = new Set<string>(conflicted);
	const back = [...conflicted];
	for (let id = back.pop(); id !== undefined; id = back.pop()) {
		for (const citer of citedBy.get(id) ?? []) {
			if (!subgraph.has(citer)) {
				subgraph.add(citer);
				back.push(citer);
			}
		}
	}
	return subgraph;
}
