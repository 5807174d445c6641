// Receipt check 4: "Passes authorization rules based on the event's auth events, otherwise it is rejected."
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import { checkAuthAgainstAuthEvents, MissingAuthEventError } from "../../protocol/auth";
import type { RoomEvent } from "../../protocol/events/pdu";
import { createEventIdOfRoomId } from "../../protocol/ids/room-id";
import type { StoredEvents } from "./federation-events";

/** A check's outcome: passed, failed (with the rule), or undecidable because events are missing. */
export type CheckOutcome = { kind: "pass" } | { kind: "fail"; reason: string } | { kind: "missing"; eventIds: string[] };

export async function checkAgainstAuthEvents(events: StoredEvents, event: RoomEvent): Promise<CheckOutcome> {
	const ids = [...event.auth_events];
	// v12: the create event is named by the room ID, not listed in auth_events.
	if (events.rules.auth.roomIdIsCreateEventId) {
		const createId = createEventIdOfRoomId(event.room_id);
		if (createId !== undefined && event.type !== "m.room.create") ids.push(createId);
	}
	const missing = await events.load(ids);
	// A missing auth event is not a failure: the bridge fetches auth chains first, so this means the
	// origin would not give them to us. The event is then not stored at all.
	if (missing.length > 0) return { kind: "missing", eventIds: missing };
	try {
		const result = await checkAuthAgainstAuthEvents(events.rules, event, events.authLookup);
		return result.ok ? { kind: "pass" } : { kind: "fail", reason: `${result.reason} (auth rule ${result.rule})` };
	} catch (err) {
		if (err instanceof MissingAuthEventError) return { kind: "missing", eventIds: err.eventIds };
		throw err;
	}
}
