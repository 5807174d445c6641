// The RoomDO's RPC surfaces, one per caller (ARCHITECTURE.md "Narrow RPC interfaces, named after
// their caller"). RoomDO implements them; callers depend on these types only.
// Spec: https://spec.matrix.org/latest/client-server-api/#events

import type { UnreadCounts } from "../../protocol/push/unread";
import type { RpcResult } from "../../protocol/errors";
import type { ClientEventJson } from "../../protocol/events/client-event";
import type { JsonObject } from "../../protocol/events/pdu";

/** An event as clients see it (the spec's ClientEvent); `room_id` is omitted inside /sync rooms. */
export type ClientEvent = ClientEventJson;

/** Stripped state, as in invite_state / knock_state. */
export interface StrippedStateEvent {
	type: string;
	state_key: string;
	sender: string;
	content: JsonObject;
}

export interface LocalEventInput {
	sender: string;
	type: string;
	/** Present for state events (may be ""). */
	state_key?: string;
	content: JsonObject;
	/** For m.room.redaction: goes top-level (v1–v10) or into content (v11+) per the room version. */
	redacts?: string;
	/** Idempotency: the same (sender, device, txn_id) returns the first event's ID. */
	txn?: { device_id: string; txn_id: string };
	origin_server_ts: number;
}

export interface SentEvent {
	event_id: string;
	/** The room-local stream position of the event. */
	stream_position: number;
}

export type Membership = "join" | "invite" | "leave" | "ban" | "knock";

export interface SyncSliceRequest {
	user_id: string;
	/** The room position the client has already seen; null for an initial sync of this room. */
	since: number | null;
	timeline_limit: number;
	full_state: boolean;
	lazy_load_members: boolean;
	/** matrix-js-sdk's org.matrix.msc4222.use_state_after: `state` is the state after the timeline. */
	use_state_after: boolean;
	/** The reader's enabled push rules (protocol/push/unread.ts rulesDigest): asks for unread counts. */
	push_rules?: string;
	/** The filter's unread_thread_notifications: count threads apart. */
	unread_thread_notifications?: boolean;
}

export interface SyncSlice {
	/** The user's membership at `position`; null if the user never had one (nothing to send). */
	membership: Membership | null;
	/** The room position this slice reaches; the next since. */
	position: number;
	timeline: ClientEvent[];
	limited: boolean;
	/** A /messages `from` token that pages backwards from the start of `timeline`. */
	prev_batch: string;
	/** State delta (or full state) per the sync rules; empty for invites. */
	state: ClientEvent[];
	/** For membership "invite" / "knock": the stripped state the spec asks for. */
	stripped_state?: StrippedStateEvent[];
	/** m.joined_member_count / m.invited_member_count / m.heroes. */
	summary?: JsonObject;
	/** For a joined reader who sent push_rules: room/unread-counts.ts. */
	unread_notifications?: UnreadCounts;
	unread_thread_notifications?: Record<string, UnreadCounts>;
}

/** A new room's first events: the create event already signed (a v12 room ID derives from it), then templates. */
export interface CreateRoomInput {
	room_version: string;
	/** The signed create event's JSON text, exactly as it will be stored. */
	create_pdu: string;
	/** The events after the create event, in order (createRoom's "Creation" steps). */
	events: { type: string; state_key?: string; sender: string; content: JsonObject }[];
	origin_server_ts: number;
}

export interface CreatedRoom {
	room_id: string;
	/** Every event created, the create event first. */
	event_ids: string[];
}

/** What Client-Server routes ask of a room. */
export interface ClientRoomApi {
	sendLocalEvent(input: LocalEventInput): Promise<RpcResult<SentEvent>>;
	/** Stores a new room's first events in one transaction; M_ROOM_IN_USE if this object already holds a room. */
	createRoom(input: CreateRoomInput): Promise<RpcResult<CreatedRoom>>;
	/** A user's membership in current state, or null if they have none. */
	getMembership(userId: string): Membership | null;
}

/** What /sync (on the UserDO) asks of a room. */
export interface SyncRoomApi {
	getSyncSlice(request: SyncSliceRequest): Promise<RpcResult<SyncSlice>>;
}
