// The RPC shapes of the RoomDO's client reads (routes in client/room-reads.ts call them). Every request
// names the reading user, so the room itself enforces history visibility on what it returns.
// Spec: https://spec.matrix.org/latest/client-server-api/#getting-events-for-a-room

import type { RpcResult } from "../../protocol/errors";
import type { ClientEvent, SyncSliceRequest } from "./api";

export interface Reader {
	user_id: string;
	/** Decides `unsigned.transaction_id` (shown only to the sending device). */
	device_id?: string;
}

/** The parts of a RoomEventFilter the room applies itself. Spec: #filtering */
export interface RoomEventFilterSpec {
	types?: string[];
	not_types?: string[];
	senders?: string[];
	not_senders?: string[];
	contains_url?: boolean;
	lazy_load_members?: boolean;
}

export interface MessagesRequest extends Reader {
	dir: "b" | "f";
	/** Room tokens (read-token.ts); omitted means the live end ("b") or the room's start ("f"). */
	from?: string;
	to?: string;
	limit: number;
	filter?: RoomEventFilterSpec;
}

export interface MessagesResponse {
	chunk: ClientEvent[];
	start: string;
	end?: string;
	state?: ClientEvent[];
}

export interface ContextRequest extends Reader {
	event_id: string;
	limit: number;
	filter?: RoomEventFilterSpec;
}

export interface ContextResponse {
	event: ClientEvent;
	events_before: ClientEvent[];
	events_after: ClientEvent[];
	start?: string;
	end?: string;
	state: ClientEvent[];
}

export interface MembersRequest extends Reader {
	at?: string;
	membership?: string;
	not_membership?: string;
}

export interface RelationsRequest extends Reader {
	event_id: string;
	rel_type?: string;
	event_type?: string;
	from?: string;
	to?: string;
	dir: "b" | "f";
	limit: number;
}

export interface RelationsResponse {
	chunk: ClientEvent[];
	next_batch?: string;
	prev_batch?: string;
}

export interface ThreadsRequest extends Reader {
	include: "all" | "participated";
	from?: string;
	limit: number;
}

export interface ThreadsResponse {
	chunk: ClientEvent[];
	next_batch?: string;
}

/** /sync's request plus the reading device, for `transaction_id` on the sender's own events. */
export type SyncSliceReadRequest = SyncSliceRequest & { device_id?: string };

/**
 * What client routes and /sync ask of a room to read it (RoomDO implements it). Each answer is the JSON
 * text of the named response type: RPC's mapping of recursive JSON types is too deep to type-check.
 */
export interface ClientRoomReadApi {
	/** ClientEvent */
	readEventJson(reader: Reader, eventId: string): Promise<RpcResult<string>>;
	/** ContextResponse */
	readContextJson(request: ContextRequest): Promise<RpcResult<string>>;
	/** MessagesResponse */
	readMessagesJson(request: MessagesRequest): Promise<RpcResult<string>>;
	/** ClientEvent[] */
	readStateJson(reader: Reader): Promise<RpcResult<string>>;
	/** ClientEvent */
	readStateEventJson(reader: Reader, type: string, stateKey: string): Promise<RpcResult<string>>;
	/** ClientEvent[] */
	readMembersJson(request: MembersRequest): Promise<RpcResult<string>>;
	/** Record<user ID, { display_name?, avatar_url? }> */
	readJoinedMembersJson(reader: Reader): Promise<RpcResult<string>>;
	/** RelationsResponse */
	readRelationsJson(request: RelationsRequest): Promise<RpcResult<string>>;
	/** ThreadsResponse */
	readThreadsJson(request: ThreadsRequest): Promise<RpcResult<string>>;
	/** { event_id, origin_server_ts } */
	readTimestampToEventJson(reader: Reader, ts: number, dir: "b" | "f"): Promise<RpcResult<string>>;
	/** SyncSlice */
	getSyncSliceJson(request: SyncSliceReadRequest): Promise<RpcResult<string>>;
	/** { slice: SyncSlice, ephemeral: EphemeralSlice | null }: the ephemeral part from scratch, for a joined reader. */
	getSyncSliceWithEphemeralJson(request: SyncSliceReadRequest): Promise<RpcResult<string>>;
}
