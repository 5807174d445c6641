// The shapes of a /sync request (as the route hands it to the UserDO) and of its response.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync

import type { JsonObject } from "../../../protocol/events/pdu";
import type { UnreadCounts } from "../../../protocol/push/unread";
import type { ClientEvent, StrippedStateEvent } from "../../room/api";

export type PresenceState = "online" | "offline" | "unavailable";

export interface SyncRequest {
	device_id: string;
	/** The `since` token as given; null for an initial sync. */
	since: string | null;
	timeout_ms: number;
	full_state: boolean;
	/** The `filter` parameter as given: a filter ID or inline JSON. */
	filter: string | null;
	set_presence: PresenceState | null;
	/** matrix-js-sdk's org.matrix.msc4222.use_state_after. */
	use_state_after: boolean;
}

/** What the room side answers for a room's ephemeral events (room/receipts.ts, room/typing.ts). */
export interface EphemeralSlice {
	/** The room's receipt-stream position this slice reaches. */
	position: number;
	typing: string[];
	/** m.receipt content, or null when no receipt changed since the given position. */
	receipts: JsonObject | null;
	/** The reader's unread counts, when the request carried their push rules (a receipt moves them). */
	unread_notifications?: UnreadCounts;
	unread_thread_notifications?: Record<string, UnreadCounts>;
}

export interface BasicEvent {
	type: string;
	content: JsonObject;
}

export interface JoinedRoom {
	timeline: { events: ClientEvent[]; limited: boolean; prev_batch: string };
	state?: { events: ClientEvent[] };
	"org.matrix.msc4222.state_after"?: { events: ClientEvent[] };
	ephemeral: { events: BasicEvent[] };
	account_data: { events: BasicEvent[] };
	summary: JsonObject;
	unread_notifications: UnreadCounts;
	/** Only when the filter set unread_thread_notifications. */
	unread_thread_notifications?: Record<string, UnreadCounts>;
}

export interface LeftRoom {
	timeline: { events: ClientEvent[]; limited: boolean; prev_batch: string };
	state?: { events: ClientEvent[] };
	"org.matrix.msc4222.state_after"?: { events: ClientEvent[] };
	account_data: { events: BasicEvent[] };
}

export interface SyncRooms {
	join: Record<string, JoinedRoom>;
	invite: Record<string, { invite_state: { events: StrippedStateEvent[] } }>;
	leave: Record<string, LeftRoom>;
	knock: Record<string, { knock_state: { events: StrippedStateEvent[] } }>;
}

export interface PresenceEvent {
	type: "m.presence";
	sender: string;
	content: JsonObject;
}

export interface SyncResponse {
	next_batch: string;
	rooms: SyncRooms;
	account_data: { events: BasicEvent[] };
	presence: { events: PresenceEvent[] };
	to_device: { events: { sender: string; type: string; content: JsonObject }[] };
	device_lists: { changed: string[]; left: string[] };
	device_one_time_keys_count: Record<string, number>;
	device_unused_fallback_key_types: string[];
}
