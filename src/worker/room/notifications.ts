// GET /notifications, one room's part: the events a member's push rules say notify, newest first, with
// their actions and whether the member has read them. Judged the same way as the unread counts
// (unread-counts.ts), from the member's join on and never their own events; bounded per request.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3notifications

import type { JsonValue } from "../../protocol/events/pdu";
import { threadOf, verdictOf } from "../../protocol/push/unread";
import type { Ruleset } from "../../protocol/push/types";
import type { ClientEvent } from "./api";
import type { EventRow } from "./read-store";
import { scanVisible } from "./read-scan";
import type { ReadSession } from "./read-session";
import { countedEvent, pushContextFor, readPositions } from "./unread-counts";

/** Where a page ended: notifications are ordered by (ts, room_id, stream position), newest first. */
export interface NotificationCursor {
	ts: number;
	room_id: string;
	stream_ordering: number;
}

export interface RoomNotification {
	actions: JsonValue[];
	event: ClientEvent;
	read: boolean;
	room_id: string;
	ts: number;
	/** For the caller's merge and the next cursor; not part of the spec's object. */
	stream_ordering: number;
}

export interface RoomNotificationsRequest {
	cursor: NotificationCursor | null;
	limit: number;
	only_highlight: boolean;
}

export interface RoomNotifications {
	notifications: RoomNotification[];
	/** False when the scan stopped early (limit or budget): older notifications may remain here. */
	exhausted: boolean;
}

/** Events looked at per room and request: a long history is walked over several pages instead. */
const SCAN_BUDGET = 1000;

/** Whether `row` (in this room) sorts strictly after the cursor, i.e. belongs to a later page. */
function beyondCursor(cursor: NotificationCursor | null, roomId: string, row: EventRow): boolean {
	if (cursor === null) return true;
	if (row.origin_server_ts !== cursor.ts) return row.origin_server_ts < cursor.ts;
	if (roomId !== cursor.room_id) return roomId < cursor.room_id;
	return row.stream_ordering < cursor.stream_ordering;
}

export function roomNotifications(sql: SqlStorage, session: ReadSession, ruleset: Ruleset, req: RoomNotificationsRequest): RoomNotifications {
	const userId = session.reader.user_id;
	const roomId = session.info.room_id;
	// Nothing from before the user's join notifies them (as for the unread counts).
	const joinedAt = session.membershipPosition ?? session.info.stream_position;
	const ctxFor = pushContextFor(session, userId);
	const read = readPositions(sql, session, userId);
	// An unthreaded receipt reads every thread; a threaded one (or "main") only its own.
	const readUpTo = (thread: string) => Math.max(read.get("") ?? 0, read.get(thread) ?? 0);
	const out: RoomNotification[] = [];
	const scan = scanVisible(session, {
		from: session.info.stream_position,
		dir: "b",
		bound: joinedAt,
		limit: req.limit,
		budget: SCAN_BUDGET,
		accept: (row) => {
			if (row.sender === userId || !beyondCursor(req.cursor, roomId, row)) return false;
			const counted = countedEvent(session, row);
			const verdict = verdictOf(ruleset, counted, ctxFor(row.sender));
			if (verdict === null || (req.only_highlight && !verdict.highlight)) return false;
			out.push({
				actions: verdict.actions,
				event: session.format(row, true),
				read: row.stream_ordering <= readUpTo(threadOf(counted.content)),
				room_id: roomId,
				ts: row.origin_server_ts,
				stream_ordering: row.stream_ordering,
			});
			return true;
		},
	});
	return { notifications: out, exhausted: scan.exhausted };
}
