// The shapes auth checks take and return.
// Spec: https://spec.matrix.org/latest/server-server-api/#authorization-rules

import type { RoomEvent } from "../events/pdu";

/**
 * The outcome of an auth check. A refusal names the spec rule that refused, numbered as the
 * authorization rules of the event's room version number it (e.g. "4.3.2" in v8, "5.3.2" in v12).
 */
export type AuthResult = { ok: true } | { ok: false; rule: string; reason: string };

/** Looks up the room state an event is checked against: `(type, state_key) → event`. */
export type StateLookup = (type: string, stateKey: string) => RoomEvent | undefined;

/** An event named in `auth_events`, with whether it was itself rejected. */
export interface AuthEventEntry {
	event: RoomEvent;
	rejected: boolean;
}

/** Looks up an event by ID; used for `auth_events` and, in v12, the create event the room ID names. */
export type AuthEventLookup = (eventId: string) => AuthEventEntry | undefined;

export const ALLOW: AuthResult = Object.freeze({ ok: true });

export function reject(rule: string, reason: string): AuthResult {
	return { ok: false, rule, reason };
}

/**
 * Thrown when an auth event is not available. This is not an auth failure: callers fetch every auth
 * event (and, in v12, the create event) before checking, and must not mark the event rejected.
 */
export class MissingAuthEventError extends Error {
	readonly eventIds: string[];
	constructor(eventIds: string[]) {
		super(`auth check needs events that were not supplied: ${eventIds.join(", ")}`);
		this.name = "MissingAuthEventError";
		this.eventIds = eventIds;
	}
}
