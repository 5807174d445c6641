// Building the events this server creates: an unsigned PDU for a room version, then hashed and signed.
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus (the envelope),
// https://spec.matrix.org/latest/rooms/v11/#event-format (redacts in content), https://spec.matrix.org/latest/rooms/v12/
// (the create event has no room_id). Only event format 2 (room versions 3+): v1/v2 event IDs need randomness.

import type { SigningKey } from "../crypto/ed25519";
import { MatrixError } from "../errors";
import type { RoomVersionRules } from "../room-versions/rules";
import { sha256 } from "../crypto/sha256";
import { eventIdOfReferenceHash, roomEventWithId } from "./event-id";
import type { JsonObject, PduDraft, RoomEvent } from "./pdu";
import { signEventKeepingBytes } from "./sign-event";
import { checkEventSize } from "./size-limits";
import { checkCanonicalJsonValues } from "./strict-canonical-json";

/** What a local event says, before the room places it in its DAG. */
export interface EventTemplate {
	type: string;
	/** Present for state events (may be ""). */
	state_key?: string;
	sender: string;
	content: JsonObject;
	/** The event an `m.room.redaction` redacts. */
	redacts?: string;
}

/** A template placed in the DAG: the fields the room supplies. */
export interface EventPlacement extends EventTemplate {
	/** Undefined only for the create event of a room version that derives the room ID from it (v12). */
	room_id: string | undefined;
	origin_server_ts: number;
	prev_events: readonly string[];
	auth_events: readonly string[];
	depth: number;
}

/**
 * The unsigned PDU. `redacts` goes top-level in v3–v10 and into `content` from v11
 * (`redactsInContent`); the v12 create event carries no `room_id`.
 */
export function buildEventDraft(rules: RoomVersionRules, input: EventPlacement): PduDraft {
	if (rules.eventFormat !== 2) throw new MatrixError("M_UNSUPPORTED_ROOM_VERSION", `cannot create events in room version ${rules.id}`);
	const isV12Create = rules.auth.roomIdIsCreateEventId && input.type === "m.room.create" && input.state_key === "";
	if (!isV12Create && input.room_id === undefined) throw new MatrixError("M_UNKNOWN", "room_id is required");
	let content = input.content;
	const draft: PduDraft = {
		type: input.type,
		sender: input.sender,
		origin_server_ts: input.origin_server_ts,
		content,
		depth: input.depth,
		prev_events: [...input.prev_events],
		auth_events: [...input.auth_events],
	};
	if (!isV12Create && input.room_id !== undefined) draft.room_id = input.room_id;
	if (input.state_key !== undefined) draft.state_key = input.state_key;
	if (input.redacts !== undefined) {
		if (rules.auth.redactsInContent) {
			content = { ...content, redacts: input.redacts };
			draft.content = content;
		} else {
			draft.redacts = input.redacts;
		}
	}
	return draft;
}

/** A signed local event: the PDU JSON text exactly as signed, and the view auth works on. */
export interface BuiltEvent {
	event: RoomEvent;
	/** The exact JSON text to store and serve; never rebuilt from columns. */
	pdu_json: string;
}

/**
 * Builds, hashes and signs an event and computes its event ID. Throws M_BAD_JSON for values
 * canonical JSON cannot carry and M_TOO_LARGE for events over the spec's size limits.
 */
export async function buildSignedEvent(
	rules: RoomVersionRules,
	input: EventPlacement,
	serverName: string,
	key: SigningKey,
): Promise<BuiltEvent> {
	const draft = buildEventDraft(rules, input);
	checkCanonicalJsonValues(draft, rules);
	const { pdu, signed_bytes: signedBytes } = await signEventKeepingBytes(draft, serverName, key, rules);
	// Event format 2 (the only one built here): the ID is the reference hash, over the bytes just signed.
	const event = roomEventWithId(pdu, eventIdOfReferenceHash(await sha256(signedBytes), rules), rules);
	checkEventSize(pdu, event.event_id);
	return { event, pdu_json: JSON.stringify(pdu) };
}
