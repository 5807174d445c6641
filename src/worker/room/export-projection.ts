// ExportRoomApi: the lawful-access export's only view of a room, an allow-list projection that runs inside the
// RoomDO. Its result types have no content field, so message content, ciphertext, session IDs and sender keys
// cannot leave the room through it (the one exception, room names and topics, is grey data the export asks for
// only under the provider's policy, and is a single string of a state event). The time window is applied in the queries.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported; ARCHITECTURE.md principle 4 (ExportRoomApi).

/** A half-open window [start, end) in epoch ms. */
export interface ExportWindow {
	start: number;
	end: number;
}

/** An event the target sent: ID, type, time and byte length of the stored PDU, never its content. */
export type ExportEnvelope = {
	event_id: string;
	type: string;
	origin_server_ts: number;
	byte_length: number;
	/** The keyset cursor for the next page. */
	stream_ordering: number;
};

/** One m.room.member event about the target. */
export type ExportMembership = {
	event_id: string;
	membership: string;
	origin_server_ts: number;
	stream_ordering: number;
};

/** A co-member: a user with a membership in the room that overlaps the window. */
export type ExportCoMember = {
	user_id: string;
	membership: string;
};

/**
 * Grey data, asked for only when the provider's policy allows it and the order names it: a room name or topic
 * from an m.room.name / m.room.topic state event. Only that one string of the event's content leaves the room.
 */
export type ExportRoomDetail = {
	event_id: string;
	field: "name" | "topic";
	value: string;
	origin_server_ts: number;
	stream_ordering: number;
};

export interface ExportRoomApi {
	exportEnvelopes(sender: string, window: ExportWindow, afterStream: number, limit: number): ExportEnvelope[];
	exportMemberships(userId: string, window: ExportWindow, afterStream: number, limit: number): ExportMembership[];
	exportCoMembers(target: string, window: ExportWindow, afterUserId: string, limit: number): ExportCoMember[];
	exportRoomDetails(window: ExportWindow, afterStream: number, limit: number): ExportRoomDetail[];
}

/** Rows per call; the export's room collectors never ask for more (src/export/collect/room-collectors.ts). */
const MAX_PAGE = 10_000;

function pageSize(limit: number): number {
	return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
}

/** The projection over the RoomDO's SQLite storage. Only timeline events (no outliers, no rejected events). */
export class ExportProjection implements ExportRoomApi {
	constructor(private readonly sql: SqlStorage) {}

	exportEnvelopes(sender: string, window: ExportWindow, afterStream: number, limit: number): ExportEnvelope[] {
		// The byte length is of the stored PDU text as UTF-8 (CAST to BLOB), the size the event occupies on the wire.
		return this.sql
			.exec<ExportEnvelope>(
				`SELECT event_id, type, origin_server_ts, length(CAST(pdu AS BLOB)) AS byte_length, stream_ordering
				FROM events
				WHERE sender = ?1 AND stream_ordering IS NOT NULL AND stream_ordering > ?2 AND rejected = 0
					AND origin_server_ts >= ?3 AND origin_server_ts < ?4
				ORDER BY stream_ordering LIMIT ?5`,
				sender,
				afterStream,
				window.start,
				window.end,
				pageSize(limit),
			)
			.toArray();
	}

	exportMemberships(userId: string, window: ExportWindow, afterStream: number, limit: number): ExportMembership[] {
		return this.sql
			.exec<ExportMembership>(
				`SELECT event_id, json_extract(pdu, '$.content.membership') AS membership, origin_server_ts, stream_ordering
				FROM events
				WHERE type = 'm.room.member' AND state_key = ?1 AND stream_ordering IS NOT NULL AND stream_ordering > ?2
					AND rejected = 0 AND origin_server_ts >= ?3 AND origin_server_ts < ?4
				ORDER BY stream_ordering LIMIT ?5`,
				userId,
				afterStream,
				window.start,
				window.end,
				pageSize(limit),
			)
			.toArray();
	}

	/**
	 * The names and topics in force during the window: per field, the one in force when the window began (the
	 * latest set before its start, by origin_server_ts, then stream order) and every change inside the window.
	 * Only the `name` / `topic` string of m.room.name / m.room.topic state events, never other content. A field
	 * whose latest value before the start is not a string (removed) had none in force, so no older one is given.
	 */
	exportRoomDetails(window: ExportWindow, afterStream: number, limit: number): ExportRoomDetail[] {
		return this.sql
			.exec<ExportRoomDetail>(
				`SELECT event_id, field, value, origin_server_ts, stream_ordering FROM (
					SELECT event_id, origin_server_ts, stream_ordering,
						CASE type WHEN 'm.room.name' THEN 'name' ELSE 'topic' END AS field,
						CASE type WHEN 'm.room.name' THEN json_extract(pdu, '$.content.name') ELSE json_extract(pdu, '$.content.topic') END AS value,
						CASE type WHEN 'm.room.name' THEN json_type(pdu, '$.content.name') ELSE json_type(pdu, '$.content.topic') END AS value_type,
						ROW_NUMBER() OVER (PARTITION BY type, origin_server_ts >= ?2 ORDER BY origin_server_ts DESC, stream_ordering DESC) AS recency
					FROM events
					WHERE type IN ('m.room.name', 'm.room.topic') AND state_key = '' AND stream_ordering IS NOT NULL
						AND rejected = 0 AND origin_server_ts < ?3
				) WHERE value_type = 'text' AND stream_ordering > ?1 AND (origin_server_ts >= ?2 OR recency = 1)
				ORDER BY stream_ordering LIMIT ?4`,
				afterStream,
				window.start,
				window.end,
				pageSize(limit),
			)
			.toArray();
	}

	/**
	 * Users other than the target who were members during the window: their first membership event is before
	 * the window's end, and they are still members now or their membership last changed after its start.
	 * The membership named is their current one.
	 */
	exportCoMembers(target: string, window: ExportWindow, afterUserId: string, limit: number): ExportCoMember[] {
		return this.sql
			.exec<ExportCoMember>(
				`SELECT m.user_id AS user_id, m.membership AS membership
				FROM room_members m
				WHERE m.user_id != ?1 AND m.user_id > ?2
					AND EXISTS (SELECT 1 FROM events e WHERE e.type = 'm.room.member' AND e.state_key = m.user_id
						AND e.stream_ordering IS NOT NULL AND e.rejected = 0 AND e.origin_server_ts < ?4)
					AND (m.membership IN ('join', 'invite', 'knock')
						OR (SELECT e.origin_server_ts FROM events e WHERE e.event_id = m.event_id) >= ?3)
				ORDER BY m.user_id LIMIT ?5`,
				target,
				afterUserId,
				window.start,
				window.end,
				pageSize(limit),
			)
			.toArray();
	}
}
