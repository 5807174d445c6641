// Collectors over the target's rooms (found in the D1 membership index, walked in room-ID order): membership
// events, envelopes of events the target sent, and co-members. Each asks the RoomDO's ExportRoomApi, an
// allow-list projection that runs inside the room, so no content crosses into export code.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported; ARCHITECTURE.md "The export path".

import { isoTime } from "../package/records-schema";
import type { RecordOf, RecordSetName } from "../package/records-schema";
import { indexedRoomsFrom } from "./d1-sources";
import { decodeCursor, encodeCursor } from "./cursor";
import type { CollectContext, Collector, CollectPage } from "./types";

/** Where a room walk stands: the room being read and the keyset position inside it. */
type RoomCursor<K> = { room: string; after: K };

type RoomPage<N extends RecordSetName, K> = { records: RecordOf<N>[]; after: K | null };

/** Rows asked of one room per call: at most the cap of the RoomDO's projection (export-projection.ts MAX_PAGE). */
const ROOM_READ_MAX = 10_000;
/** Below every stream ordering: backfilled history sits at zero and below (worker/room/read-token.ts). */
export const BEFORE_ANY_POSITION = Number.MIN_SAFE_INTEGER;
/** Rooms one page may move through: bounds a step's work when many rooms hold nothing in the window. */
const ROOMS_PER_PAGE = 64;

/**
 * Walks the user's indexed rooms in ID order (the list taken in one D1 query per page), filling one page from as
 * many rooms as it takes. `readRoom` returns one page of a room and the key to continue in it (null once the
 * room is exhausted). Rooms are read one after another, each asked only for what the page still has room for
 * (reading several at once wastes whole reads whenever the first rooms fill the page, as large rooms do).
 */
export function roomWalk<N extends RecordSetName, K>(
	set: N,
	initial: K,
	readRoom: (ctx: CollectContext, roomId: string, after: K, limit: number) => Promise<RoomPage<N, K>>,
): Collector<N> {
	return {
		set,
		async collect(ctx, cursor, limit): Promise<CollectPage<N>> {
			const start = decodeCursor<RoomCursor<K> | null>(cursor, null);
			const afterIn = (room: string): K => (start !== null && room === start.room ? start.after : initial);
			const rooms = await indexedRoomsFrom(ctx.env.DB, ctx.userId, start?.room ?? "", ROOMS_PER_PAGE + 1);
			const records: RecordOf<N>[] = [];
			for (const room of rooms.slice(0, ROOMS_PER_PAGE)) {
				if (records.length >= limit) return { records, next: encodeCursor({ room, after: afterIn(room) }) };
				const page = await readRoom(ctx, room, afterIn(room), Math.min(ROOM_READ_MAX, limit - records.length));
				records.push(...page.records);
				if (page.after !== null) return { records, next: encodeCursor({ room, after: page.after }) };
			}
			const more = rooms[ROOMS_PER_PAGE];
			return { records, next: more === undefined ? null : encodeCursor({ room: more, after: afterIn(more) }) };
		},
	};
}

function roomApi(ctx: CollectContext, roomId: string) {
	return ctx.env.ROOM.getByName(roomId);
}

export const membershipsCollector = roomWalk("memberships", BEFORE_ANY_POSITION, async (ctx, roomId, after, limit) => {
	const rows = await roomApi(ctx, roomId).exportMemberships(ctx.userId, ctx.window, after, limit);
	const records: RecordOf<"memberships">[] = [];
	for (const r of rows) {
		if (r.membership !== "invite" && r.membership !== "join" && r.membership !== "knock" && r.membership !== "leave" && r.membership !== "ban") continue;
		records.push({
			record_type: "urn:sealbridge:lawful:record:membership:1",
			ldid: ctx.ldid,
			user_id: ctx.userId,
			room_id: roomId,
			event_id: r.event_id,
			membership: r.membership,
			time: isoTime(r.origin_server_ts),
		});
	}
	return { records, after: rows.length < limit ? null : (rows.at(-1)?.stream_ordering ?? null) };
});

export const envelopesCollector = roomWalk("event-envelopes", BEFORE_ANY_POSITION, async (ctx, roomId, after, limit) => {
	const rows = await roomApi(ctx, roomId).exportEnvelopes(ctx.userId, ctx.window, after, limit);
	return {
		records: rows.map((r) => ({
			record_type: "urn:sealbridge:lawful:record:event-envelope:1" as const,
			ldid: ctx.ldid,
			sender: ctx.userId,
			room_id: roomId,
			event_id: r.event_id,
			type: r.type,
			time: isoTime(r.origin_server_ts),
			byte_length: r.byte_length,
		})),
		after: rows.length < limit ? null : (rows.at(-1)?.stream_ordering ?? null),
	};
});

export const counterpartiesCollector = roomWalk("counterparties", "", async (ctx, roomId, after, limit) => {
	const rows = await roomApi(ctx, roomId).exportCoMembers(ctx.userId, ctx.window, after, limit);
	const records: RecordOf<"counterparties">[] = [];
	for (const r of rows) {
		if (r.membership !== "invite" && r.membership !== "join" && r.membership !== "knock" && r.membership !== "leave" && r.membership !== "ban") continue;
		records.push({ record_type: "urn:sealbridge:lawful:record:counterparty:1", ldid: ctx.ldid, room_id: roomId, user_id: r.user_id, membership: r.membership });
	}
	return { records, after: rows.length < limit ? null : (rows.at(-1)?.user_id ?? null) };
});
