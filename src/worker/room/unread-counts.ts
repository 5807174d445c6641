// A joined member's unread notification counts in this room, for /sync: the events after their latest
// m.read / m.read.private receipt that their push rules (sent along by their UserDO) say notify or
// highlight. Bounded: only the newest MAX_COUNTED events by others after the receipt are judged, so a
// long-unread room costs one short scan (clients show "99+" anyway); the judgements are kept between
// requests (unread-memo.ts), so the next request judges only what came since.
// Spec: https://spec.matrix.org/latest/client-server-api/#receiving-notifications and
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync (unread_notifications)

import type { PushContext } from "../../protocol/push/evaluate";
import { type CountedEvent, tallyUnread, type UnreadCounts } from "../../protocol/push/unread";
import type { JsonObject } from "../../protocol/events/pdu";
import type { EventRow } from "./read-store";
import type { ReadSession } from "./read-session";
import { judgedUnread } from "./unread-memo";


export interface UnreadSection {
	unread_notifications: UnreadCounts;
	unread_thread_notifications?: Record<string, UnreadCounts>;
}

/** Read positions per thread ('' = unthreaded), from the user's m.read and m.read.private receipts. */
export function readPositions(sql: SqlStorage, session: ReadSession, userId: string): Map<string, number> {
	const out = new Map<string, number>();
	const rows = sql
		.exec<{ thread_id: string; event_id: string }>(
			"SELECT thread_id, event_id FROM receipts WHERE user_id = ? AND receipt_type IN ('m.read', 'm.read.private')",
			userId,
		)
		.toArray();
	for (const r of rows) {
		const at = session.read.event(r.event_id)?.stream_ordering;
		if (at !== undefined && at > (out.get(r.thread_id) ?? 0)) out.set(r.thread_id, at);
	}
	return out;
}

function stateContent(session: ReadSession, type: string, stateKey: string): JsonObject | null {
	const id = session.currentStateId(type, stateKey);
	const row = id === null ? null : session.read.anyEvent(id);
	return row === null ? null : session.formatter.servedContent(row.event_id, row.pdu);
}

/**
 * What the conditions need from the room: the user's display name, the joined member count, and a
 * sender's power level against the power levels' `notifications` levels (default 50).
 */
export function pushContextFor(session: ReadSession, userId: string): (sender: string) => PushContext {
	const members = session.read.currentMembers();
	const displayName = stateContent(session, "m.room.member", userId)?.displayname;
	const pl = stateContent(session, "m.room.power_levels", "");
	const createId = session.currentStateId("m.room.create", "");
	const creator = createId === null ? null : (session.read.anyEvent(createId)?.sender ?? null);
	const users = objectAt(pl, "users");
	const notifications = objectAt(pl, "notifications");
	const usersDefault = typeof pl?.users_default === "number" ? pl.users_default : 0;
	const privileged = session.rules.auth.privilegedCreators;
	const levelOf = (sender: string): number => {
		// v12+: creators outrank everyone; spec: without power levels the creator has 100, others 0.
		if (privileged && sender === creator) return Number.MAX_SAFE_INTEGER;
		if (pl === null) return sender === creator ? 100 : 0;
		const v = users[sender];
		return typeof v === "number" ? v : usersDefault;
	};
	const base = {
		userId,
		roomId: session.info.room_id,
		displayName: typeof displayName === "string" ? displayName : null,
		memberCount: members.filter((m) => m.membership === "join").length,
		notificationLevel: (key: string) => {
			const v = notifications[key];
			return typeof v === "number" ? v : 50;
		},
	};
	return (sender) => ({ ...base, senderPowerLevel: levelOf(sender) });
}

function objectAt(content: JsonObject | null, key: string): JsonObject {
	const v = content?.[key];
	return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
}

export function countedEvent(session: ReadSession, row: EventRow): CountedEvent {
	return {
		event_id: row.event_id,
		stream_ordering: row.stream_ordering,
		type: row.type,
		sender: row.sender,
		state_key: row.state_key,
		content: session.formatter.servedContent(row.event_id, row.pdu),
	};
}

/** The unread section of a joined member's room in /sync; `rulesText` is the rules digest (push/unread.ts). */
export function unreadSection(sql: SqlStorage, session: ReadSession, rulesText: string, threads: boolean): UnreadSection {
	const userId = session.reader.user_id;
	const read = readPositions(sql, session, userId);
	// Like Synapse, nothing from before the user's join counts (their invite included): without a receipt
	// the join itself is where reading starts.
	const unthreaded = Math.max(read.get("") ?? 0, session.membershipPosition ?? 0);
	const judged = judgedUnread({
		sql,
		session,
		rulesText,
		readFrom: unthreaded,
		counted: (row) => countedEvent(session, row),
		context: () => pushContextFor(session, userId),
	});
	// A receipt in a thread (or "main") moves only that thread's read position past the unthreaded one.
	const readUpTo = (thread: string) => Math.max(unthreaded, read.get(thread) ?? 0);
	const { main, threads: byThread } = tallyUnread(judged, readUpTo, threads);
	return threads ? { unread_notifications: main, unread_thread_notifications: byThread } : { unread_notifications: main };
}
