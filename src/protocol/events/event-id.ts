// Event IDs per room version, the v12 room ID derived from the create event, and the RoomEvent view.
// Spec: https://spec.matrix.org/latest/rooms/v3/#event-ids, https://spec.matrix.org/latest/rooms/v4/#event-ids,
// https://spec.matrix.org/latest/rooms/v12/ (room IDs are the create event's reference hash).

import { MatrixError } from "../errors";
import { encodeBase64, encodeBase64Url } from "../json/base64";
import type { RoomVersionRules } from "../room-versions/rules";
import { computeReferenceHash } from "./hashes";
import type { EventJson, JsonObject, JsonValue, Pdu, RoomEvent } from "./pdu";

/**
 * The event ID: v1/v2 events carry the one their origin chose; v3 uses `$` + standard base64 of the
 * reference hash, v4+ `$` + URL-safe base64 (v3's `/` and `+` broke URLs).
 * Throws M_BAD_JSON if a v1/v2 event has no string `event_id`.
 */
export async function computeEventId(event: EventJson, rules: RoomVersionRules): Promise<string> {
	switch (rules.eventIdFormat) {
		case "server-generated": {
			const id = event.event_id;
			if (typeof id !== "string") throw new MatrixError("M_BAD_JSON", "event_id is required in this room version");
			return id;
		}
		case "reference-hash-base64":
		case "reference-hash-base64url":
			return eventIdOfReferenceHash(await computeReferenceHash(event, rules), rules);
	}
}

/** `$` + the reference hash in the encoding of a room version whose event IDs are reference hashes (v3+). */
export function eventIdOfReferenceHash(hash: Uint8Array, rules: RoomVersionRules): string {
	if (rules.eventIdFormat === "server-generated") throw new MatrixError("M_BAD_JSON", "event_id is required in this room version");
	return `$${rules.eventIdFormat === "reference-hash-base64" ? encodeBase64(hash) : encodeBase64Url(hash)}`;
}

/**
 * The room ID of a room whose version derives it from the create event (v12+,
 * `rules.auth.roomIdIsCreateEventId`): `!` + URL-safe base64 of the create event's reference hash.
 * No server name: the ID commits to the room's creation instead of to whoever claimed it.
 */
export async function roomIdFromCreateEvent(createEvent: EventJson, rules: RoomVersionRules): Promise<string> {
	return `!${encodeBase64Url(await computeReferenceHash(createEvent, rules))}`;
}

/**
 * Builds the RoomEvent view that auth and state resolution work on: event ID known, references as
 * plain IDs in every event format, the v12 create event's room ID derived, and `redacts` read from
 * where the room version puts it. Throws M_BAD_JSON when the fields it reads are malformed.
 */
export async function toRoomEvent(pdu: Pdu, rules: RoomVersionRules): Promise<RoomEvent> {
	return roomEventWithId(pdu, await computeEventId(pdu, rules), rules);
}

/**
 * toRoomEvent for a caller that has just computed the event's ID itself (the event builder, from the bytes
 * it signed). Any other caller must use toRoomEvent: the ID is taken as given.
 */
export function roomEventWithId(pdu: Pdu, eventId: string, rules: RoomVersionRules): RoomEvent {
	const type = requireString(pdu, "type");
	const stateKey = pdu.state_key;
	if (stateKey !== undefined && typeof stateKey !== "string") throw badField("state_key");

	const event: RoomEvent = {
		event_id: eventId,
		room_id: roomIdOf(pdu, type, stateKey, eventId, rules),
		type,
		sender: requireString(pdu, "sender"),
		origin_server_ts: requireInteger(pdu, "origin_server_ts"),
		content: requireObject(pdu, "content"),
		depth: requireInteger(pdu, "depth"),
		prev_events: referenceIds(pdu.prev_events, "prev_events", rules),
		auth_events: referenceIds(pdu.auth_events, "auth_events", rules),
		pdu,
	};
	if (stateKey !== undefined) event.state_key = stateKey;
	const redacts = redactsOf(pdu, type, rules);
	if (redacts !== undefined) event.redacts = redacts;
	return event;
}

function roomIdOf(
	pdu: Pdu,
	type: string,
	stateKey: string | undefined,
	eventId: string,
	rules: RoomVersionRules,
): string {
	if (rules.auth.roomIdIsCreateEventId && type === "m.room.create" && stateKey === "") {
		// The create event's room ID is its own reference hash, which is also its event ID (v12 event IDs
		// are URL-safe too). Derived even if the event carries a `room_id`: the auth rules reject that one,
		// and they see it on `pdu`.
		return `!${eventId.slice(1)}`;
	}
	return requireString(pdu, "room_id");
}

/** Event format 1 references are `[event_id, hashes]` pairs; format 2 references are bare IDs. */
function referenceIds(value: JsonValue | undefined, field: string, rules: RoomVersionRules): string[] {
	if (!Array.isArray(value)) throw badField(field);
	return value.map((ref) => {
		if (rules.eventFormat === 1) {
			if (!Array.isArray(ref) || typeof ref[0] !== "string") throw badField(field);
			return ref[0];
		}
		if (typeof ref !== "string") throw badField(field);
		return ref;
	});
}

/** v11+ (`redactsInContent`) read `content.redacts`; earlier versions the top-level `redacts`. */
function redactsOf(pdu: Pdu, type: string, rules: RoomVersionRules): string | undefined {
	if (type !== "m.room.redaction") return undefined;
	const redacts = rules.auth.redactsInContent ? pdu.content.redacts : pdu.redacts;
	return typeof redacts === "string" ? redacts : undefined;
}

function requireString(pdu: Pdu, field: string): string {
	const value = pdu[field];
	if (typeof value !== "string") throw badField(field);
	return value;
}

function requireInteger(pdu: Pdu, field: string): number {
	const value = pdu[field];
	if (typeof value !== "number" || !Number.isSafeInteger(value)) throw badField(field);
	return value;
}

function requireObject(pdu: Pdu, field: string): JsonObject {
	const value = pdu[field];
	if (typeof value !== "object" || value === null || Array.isArray(value)) throw badField(field);
	return value;
}

function badField(field: string): MatrixError {
	return new MatrixError("M_BAD_JSON", `event field ${field} is missing or malformed`);
}
