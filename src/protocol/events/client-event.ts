// A stored PDU as clients see it: the spec's ClientEvent, with `unsigned` computed at read time.
// Spec: https://spec.matrix.org/latest/client-server-api/#room-event-format and
// https://spec.matrix.org/latest/client-server-api/#redactions ("servers should ... send the redacted form").
// The PDU text stays exactly as signed; this builds a new object and never mutates its input.

import type { RoomVersionRules } from "../room-versions/rules";
import type { EventJson, JsonObject, JsonValue } from "./pdu";
import { redactEvent } from "./redaction";

/** The spec's ClientEvent (and ClientEventWithoutRoomID when `room_id` is left out, as /sync does). */
export interface ClientEventJson {
	event_id: string;
	type: string;
	content: JsonObject;
	sender: string;
	origin_server_ts: number;
	room_id?: string;
	state_key?: string;
	redacts?: string;
	unsigned?: JsonObject;
}

export interface ClientEventInput {
	/** The stored PDU, parsed. */
	pdu: EventJson;
	event_id: string;
	rules: RoomVersionRules;
	/** The time of this read, for `unsigned.age`. */
	now: number;
	/** Inside /sync the room ID is implied by the section the event sits in. */
	include_room_id: boolean;
	/** Set when the event was redacted: the redaction event, already in client format. */
	redacted_because?: ClientEventJson;
	/** For a state event: the state event it replaced (already in its served form, redacted or not). */
	replaces?: { event_id: string; content: JsonObject };
	/** The txn ID its sender used, and on which device; shown only to that same device. */
	txn?: { user_id: string; device_id: string; txn_id: string };
	/** Who is reading, to decide on `transaction_id`. */
	requester?: { user_id: string; device_id?: string };
	/** Extra `unsigned` keys the reader computed (e.g. bundled `m.relations`). */
	extra_unsigned?: JsonObject;
}

function str(value: JsonValue | undefined): string | undefined {
	return typeof value === "string" ? value : undefined;
}

function obj(value: JsonValue | undefined): JsonObject {
	return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}

/** Builds the client form of one event. Redacted events are served in their redacted form. */
export function toClientEvent(input: ClientEventInput): ClientEventJson {
	const source = input.redacted_because === undefined ? input.pdu : redactEvent(input.pdu, input.rules);
	const out: ClientEventJson = {
		event_id: input.event_id,
		type: str(source.type) ?? "",
		content: obj(source.content),
		sender: str(source.sender) ?? "",
		origin_server_ts: typeof source.origin_server_ts === "number" ? source.origin_server_ts : 0,
	};
	if (input.include_room_id) {
		const roomId = str(input.pdu.room_id);
		if (roomId !== undefined) out.room_id = roomId;
	}
	const stateKey = str(source.state_key);
	if (stateKey !== undefined) out.state_key = stateKey;
	// v1–v10 carry `redacts` at the top level, v11+ in content. Clients written before v11 look at the top
	// level, so (as the v11 spec suggests servers do) it is served there for every version.
	if (out.type === "m.room.redaction") {
		const redacts = str(source.redacts) ?? str(out.content.redacts);
		if (redacts !== undefined) out.redacts = redacts;
	}

	const unsigned: JsonObject = { ...(input.extra_unsigned ?? {}) };
	// Age is relative to the read, never negative when a sender's clock runs ahead of ours.
	unsigned.age = Math.max(0, input.now - out.origin_server_ts);
	if (input.redacted_because !== undefined) {
		unsigned.redacted_because = clientEventAsJson(input.redacted_because);
	}
	if (stateKey !== undefined && input.replaces !== undefined) {
		unsigned.replaces_state = input.replaces.event_id;
		unsigned.prev_content = input.replaces.content;
	}
	const txn = input.txn;
	const requester = input.requester;
	if (
		txn !== undefined &&
		requester !== undefined &&
		requester.device_id !== undefined &&
		txn.user_id === requester.user_id &&
		txn.device_id === requester.device_id &&
		txn.user_id === out.sender
	) {
		unsigned.transaction_id = txn.txn_id;
	}
	out.unsigned = unsigned;
	return out;
}

/** The stripped form used in invite_state / knock_state. Spec: #stripped-state */
export function toStrippedState(pdu: EventJson): { type: string; state_key: string; sender: string; content: JsonObject } {
	return { type: str(pdu.type) ?? "", state_key: str(pdu.state_key) ?? "", sender: str(pdu.sender) ?? "", content: obj(pdu.content) };
}

/** A ClientEvent as a plain JSON object (to nest it in another event's `unsigned`). */
export function clientEventAsJson(event: ClientEventJson): JsonObject {
	const out: JsonObject = {
		event_id: event.event_id,
		type: event.type,
		content: event.content,
		sender: event.sender,
		origin_server_ts: event.origin_server_ts,
	};
	if (event.room_id !== undefined) out.room_id = event.room_id;
	if (event.state_key !== undefined) out.state_key = event.state_key;
	if (event.redacts !== undefined) out.redacts = event.redacts;
	if (event.unsigned !== undefined) out.unsigned = event.unsigned;
	return out;
}
