// Step 1: select the power events of the full conflicted set (and their conflicted auth ancestors)
// and sort them by reverse topological power ordering.
// Spec: https://spec.matrix.org/latest/rooms/v2/#algorithm (step 1) and #definitions ("Reverse topological power ordering")

import { roomPower, stateKeyString, userPowerLevel } from "../auth";
import type { RoomEvent } from "../events/pdu";
import { compareCodePoints } from "../json/canonical";
import type { RoomVersionRules } from "../room-versions/rules";
import { authEventsState } from "./auth-events-state";
import type { EventSource } from "./event-source";
import { isPowerEvent } from "./power-event";
import { lexicographicalTopologicalSort } from "./topological-sort";

/**
 * "1. Select the set X of all power events that appear in the full conflicted set. For each such power
 * event P, enlarge X by adding the events in the auth chain of P which also belong to the full
 * conflicted set. Sort X into a list using the reverse topological power ordering."
 *
 * The auth chain of P is walked through events of the full conflicted set only, and those edges form
 * the DAG that is sorted, as Synapse and ruma do.
 */
export async function sortPowerEvents(rules: RoomVersionRules, source: EventSource, fullConflictedSet: ReadonlySet<string>): Promise<string[]> {
	const graph = new Map<string, Set<string>>();
	for (const id of fullConflictedSet) {
		const event = await source.get(id);
		if (event && isPowerEvent(event)) await addWithConflictedAncestors(graph, source, id, fullConflictedSet);
	}
	const events = new Map<string, RoomEvent>();
	const power = new Map<string, number>();
	for (const id of graph.keys()) {
		const event = await source.require(id);
		events.set(id, event);
		power.set(id, await senderPowerLevel(rules, source, event));
	}
	return lexicographicalTopologicalSort(graph, (a, b) => {
		const ea = events.get(a);
		const eb = events.get(b);
		if (!ea || !eb) return compareCodePoints(a, b);
		return compareReverseTopologicalPower(
			{ power: power.get(a) ?? 0, ts: ea.origin_server_ts, id: a },
			{ power: power.get(b) ?? 0, ts: eb.origin_server_ts, id: b },
		);
	});
}

/** What the comparison relation of the reverse topological power ordering reads from an event. */
export interface PowerOrderKey {
	power: number;
	ts: number;
	id: string;
}

/**
 * "x < y if 1. x's sender has *greater* power level than y's sender, when looking at their respective
 * auth_events; or 2. the senders have the same power level, but x's origin_server_ts is *less* than y's
 * origin_server_ts; or 3. the senders have the same power level and the events have the same
 * origin_server_ts, but x's event_id is *less* than y's event_id."
 */
export function compareReverseTopologicalPower(x: PowerOrderKey, y: PowerOrderKey): number {
	// Explicit comparisons: v12 creators have infinite power, and Infinity − Infinity is NaN.
	if (x.power !== y.power) return x.power > y.power ? -1 : 1;
	if (x.ts !== y.ts) return x.ts < y.ts ? -1 : 1;
	return compareCodePoints(x.id, y.id);
}

/**
 * The sender's power level "when looking at their respective auth_events": the power levels event
 * they cite, else the creator default (v1–v11) — and in v12 creators are infinitely powerful.
 */
export async function senderPowerLevel(rules: RoomVersionRules, source: EventSource, event: RoomEvent): Promise<number> {
	const state = await authEventsState(rules, source, event);
	const power = roomPower(rules.auth, (type, stateKey) => state.get(stateKeyString(type, stateKey)));
	return userPowerLevel(power, event.sender);
}

/** Adds `id` and, transitively, the auth events it cites that are in the full conflicted set. */
async function addWithConflictedAncestors(
	graph: Map<string, Set<string>>,
	source: EventSource,
	id: string,
	fullConflictedSet: ReadonlySet<string>,
): Promise<void> {
	const stack = [id];
	for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
		if (graph.has(current)) continue;
		const cites = new Set<string>();
		graph.set(current, cites);
		const event = await source.get(current);
		for (const auth of event?.auth_events ?? []) {
			if (!fullConflictedSet.has(auth)) continue;
			cites.add(auth);
			if (!graph.has(auth)) stack.push(auth);
		}
	}
}
