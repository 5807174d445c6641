// Receipt check 6: "Passes authorization rules based on the current state of the room, otherwise it is
// 'soft failed'." A soft-failed event joins the DAG (later events may reference it) but is not sent to
// clients, does not change current state, and is not a forward extremity ("Soft failure" in the spec).
// Spec: https://spec.matrix.org/latest/server-server-api/#soft-failure

import type { RoomEvent } from "../../protocol/events/pdu";
import type { StoredEvents } from "./federation-events";
import type { CheckOutcome } from "./federation-step-4-auth-events";
import { checkAgainstState } from "./federation-step-5-state-before";
import { type RoomStore, type StateMap, stateKeyOf } from "./store";

export function currentStateMap(store: RoomStore): StateMap {
	return new Map(store.getCurrentStateIds().map((e) => [stateKeyOf(e.type, e.state_key), e.event_id]));
}

export function checkAgainstCurrentState(events: StoredEvents, store: RoomStore, event: RoomEvent): Promise<CheckOutcome> {
	return checkAgainstState(events, event, currentStateMap(store));
}
