// A room's entry in the public room directory, derived from its current state, and the directory's
// search and pagination.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3publicrooms

import type { JsonObject, JsonValue } from "../events/pdu";

/** The spec's PublishedRoomsChunk. Optional fields are omitted when the room has no such state. */
export interface PublicRoomChunk {
	room_id: string;
	num_joined_members: number;
	world_readable: boolean;
	guest_can_join: boolean;
	name?: string;
	topic?: string;
	canonical_alias?: string;
	avatar_url?: string;
	join_rule?: string;
	room_type?: string;
}

/** The content of a current state event with an empty state key, if the room has one. */
export type StateContent = (type: string) => JsonObject | undefined;

function text(v: JsonValue | undefined): string | undefined {
	return typeof v === "string" && v !== "" ? v : undefined;
}

/** The chunk for a room: name, topic, alias, avatar, join rule and type from state; flags per the spec's definitions. */
export function summariseRoom(roomId: string, state: StateContent, joinedMembers: number): PublicRoomChunk {
	const chunk: PublicRoomChunk = {
		room_id: roomId,
		num_joined_members: joinedMembers,
		// "Whether the room may be viewed by guest users without joining."
		world_readable: state("m.room.history_visibility")?.history_visibility === "world_readable",
		// "Whether guest users may join the room and participate in it."
		guest_can_join: state("m.room.guest_access")?.guest_access === "can_join",
	};
	const name = text(state("m.room.name")?.name);
	const topic = text(state("m.room.topic")?.topic);
	const alias = text(state("m.room.canonical_alias")?.alias);
	const avatar = text(state("m.room.avatar")?.url);
	// "The room's join rule. When not present, the room is assumed to be public."
	const joinRule = text(state("m.room.join_rules")?.join_rule);
	const roomType = text(state("m.room.create")?.type);
	if (name !== undefined) chunk.name = name;
	if (topic !== undefined) chunk.topic = topic;
	if (alias !== undefined) chunk.canonical_alias = alias;
	if (avatar !== undefined) chunk.avatar_url = avatar;
	if (joinRule !== undefined) chunk.join_rule = joinRule;
	if (roomType !== undefined) chunk.room_type = roomType;
	return chunk;
}

export interface DirectoryQuery {
	limit?: number;
	/** A `next_batch`/`prev_batch` token from an earlier page. */
	since?: string;
	/** filter.generic_search_term: matched case-insensitively against name, topic and canonical alias. */
	searchTerm?: string;
	/** filter.room_types: null in the list means rooms without a type. */
	roomTypes?: (string | null)[];
	/** third_party_instance_id: one third-party network's rooms (application services publish those). */
	thirdPartyInstanceId?: string;
}

export interface DirectoryPage {
	chunk: PublicRoomChunk[];
	next_batch?: string;
	prev_batch?: string;
	total_room_count_estimate: number;
}

/** Page tokens are offsets into the sorted, filtered list: `o<offset>`. */
export function parseSinceToken(since: string | undefined): number | undefined {
	if (since === undefined) return 0;
	const m = /^o(\d{1,9})$/.exec(since);
	return m === null ? undefined : Number(m[1]);
}

function matches(chunk: PublicRoomChunk, query: DirectoryQuery): boolean {
	// Every listed room is on the server's own network: no application service publishes third-party rooms here.
	if (query.thirdPartyInstanceId !== undefined) return false;
	if (query.roomTypes !== undefined && query.roomTypes.length > 0 && !query.roomTypes.includes(chunk.room_type ?? null)) return false;
	const term = query.searchTerm?.trim().toLowerCase();
	if (term === undefined || term === "") return true;
	return [chunk.name, chunk.topic, chunk.canonical_alias].some((field) => field?.toLowerCase().includes(term));
}

/**
 * One page of the directory: filtered, then ordered by joined members (largest first, as Synapse does)
 * and room ID, then cut at `since`/`limit`. The caller has validated `since` with parseSinceToken.
 */
export function pageDirectory(rooms: readonly PublicRoomChunk[], query: DirectoryQuery): DirectoryPage {
	const sorted = rooms
		.filter((r) => matches(r, query))
		.sort((a, b) => b.num_joined_members - a.num_joined_members || (a.room_id < b.room_id ? -1 : a.room_id > b.room_id ? 1 : 0));
	const offset = parseSinceToken(query.since) ?? 0;
	const limit = query.limit ?? sorted.length;
	const chunk = sorted.slice(offset, offset + limit);
	const page: DirectoryPage = { chunk, total_room_count_estimate: sorted.length };
	if (offset + limit < sorted.length) page.next_batch = `o${offset + limit}`;
	if (offset > 0) page.prev_batch = `o${Math.max(0, offset - limit)}`;
	return page;
}
