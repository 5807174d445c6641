// Receipt check 5: "Passes authorization rules based on the state before the event, otherwise it is rejected."
// The state before an event is the state after its single prev event, or, when it has several, the
// resolution of the states after each ("state resolution algorithm" of the room version).
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu,
// https://spec.matrix.org/latest/server-server-api/#room-state-resolution

import { authTypesForEvent, checkStateDependentAuthRules } from "../../protocol/auth";
import type { RoomEvent } from "../../protocol/events/pdu";
import { resolveState } from "../../protocol/state-res";
import { fromResMap, type StoredEvents, toResMap } from "./federation-events";
import type { CheckOutcome } from "./federation-step-4-auth-events";
import { type RoomStore, type StateMap, stateKeyOf } from "./store";

export interface StateBefore {
	state: StateMap;
	/** The stored group that already holds this state (single prev event), or null to write a snapshot. */
	group: number | null;
}

/** Resolves `groups` (state group IDs) into one state; a single group is returned as it is. */
export async function resolveGroups(events: StoredEvents, store: RoomStore, groups: readonly number[]): Promise<StateBefore> {
	const unique = [...new Set(groups)];
	if (unique.length === 1) return { state: store.getStateGroup(unique[0]!), group: unique[0]! };
	return { state: await resolveMaps(events, unique.map((g) => store.getStateGroup(g))), group: null };
}

/** The room version's state resolution over stored-key state maps. */
export async function resolveMaps(events: StoredEvents, states: readonly StateMap[]): Promise<StateMap> {
	const sets = states.map(toResMap);
	return fromResMap(await resolveState(events.rules, sets, (id) => events.get(id), { isRejected: (id) => events.isRejected(id) }));
}

/**
 * The state before `event`, or the prev events whose state we do not hold (not stored, or stored only as
 * outliers). Throws StateResError when resolution itself fails (the caller reports it per event).
 */
export async function stateBeforeEvent(events: StoredEvents, store: RoomStore, event: RoomEvent): Promise<StateBefore | { missing: string[] }> {
	const groups: number[] = [];
	const missing: string[] = [];
	for (const prev of event.prev_events) {
		const at = store.getEventState(prev);
		if (at === null) missing.push(prev);
		else groups.push(at.state_after);
	}
	if (missing.length > 0 || groups.length === 0) return { missing };
	return resolveGroups(events, store, groups);
}

/** The state after an accepted `event`: the state before it with its own key set. */
export function stateAfter(event: RoomEvent, before: StateBefore): StateMap {
	const after: StateMap = new Map(before.state);
	if (event.state_key !== undefined) after.set(stateKeyOf(event.type, event.state_key), event.event_id);
	return after;
}

/** The auth rules against `state` (the state before the event, or current state for check 6). */
export async function checkAgainstState(events: StoredEvents, event: RoomEvent, state: StateMap): Promise<CheckOutcome> {
	const keys = authTypesForEvent(events.rules, event.type, event.sender, event.state_key, event.content);
	const ids = [...keys, ["m.room.create", ""] as const].flatMap(([t, k]) => state.get(stateKeyOf(t, k)) ?? []);
	await events.load(ids);
	const result = await checkStateDependentAuthRules(events.rules, event, events.stateLookup(state));
	return result.ok ? { kind: "pass" } : { kind: "fail", reason: `${result.reason} (auth rule ${result.rule})` };
}
