// Receipt check 6: "Passes authorization rules based on the current state of the room, otherwise it is
// 'soft failed'." A soft-failed event joins the DAG (later events may reference it) but is not sent to
// clients, does not change current state, and is not a forward extremity ("Soft failure" in the spec).
// Current state also serves as the state before a PDU at the room's tip, where check 6 repeats check 5.
// Spec: https://spec.matrix.org/latest/server-server-api/#soft-failure

import type { RoomEvent } from "../../protocol/events/pdu";
import type { StateBefore } from "./federation-step-5-state-before";
import { type RoomStore, type StateMap, stateKeyOf } from "./store";

export function currentStateMap(store: RoomStore): StateMap {
	return new Map(store.getCurrentStateIds().map((e) => [stateKeyOf(e.type, e.state_key), e.event_id]));
}

/**
 * The state before `event` when its prev_events are exactly the room's forward extremities: the room's current
 * state, which is the resolution of the extremities' states (kept so by every accepted event, and what a local
 * event's state before is taken to be), so no state res is needed. Null when the event is not at the tip. The
 * extremities it was read at come along: current state equals this state only while they have not moved.
 */
export function stateAtTip(store: RoomStore, event: RoomEvent): (StateBefore & { extremities: string[] }) | null {
	const extremities = store.getForwardExtremities();
	if (extremities.length === 0 || !sameIds(event.prev_events, extremities)) return null;
	// A single prev event's stored group already holds this state: no snapshot to write.
	const group = extremities.length === 1 ? (store.getEventState(extremities[0]!)?.state_after ?? null) : null;
	return { state: currentStateMap(store), group, extremities };
}

/** Whether two lists of event IDs name the same set. */
export function sameIds(a: readonly string[], b: readonly string[]): boolean {
	const set = new Set(a);
	return set.size === new Set(b).size && b.every((id) => set.has(id));
}
