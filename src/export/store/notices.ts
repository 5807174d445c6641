// D1 access for user notices (lawful_notices) and each user's server-notices room (lawful_notice_rooms).
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("User notification")

export type NoticeReason = "disclosure" | "preservation";

export interface NoticeRow {
	order_id: string;
	target_user: string;
	reason: NoticeReason;
	due_ts: number;
	sent_ts: number | null;
	room_id: string | null;
}

/** Idempotent: one notice per (order, user, reason). */
export async function scheduleNotice(db: D1Database, row: Pick<NoticeRow, "order_id" | "target_user" | "reason" | "due_ts">): Promise<boolean> {
	const r = await db
		.prepare("INSERT OR IGNORE INTO lawful_notices (order_id, target_user, reason, due_ts) VALUES (?1, ?2, ?3, ?4)")
		.bind(row.order_id, row.target_user, row.reason, row.due_ts)
		.run();
	return r.meta.changes === 1;
}

export async function dueNotices(db: D1Database, now: number): Promise<NoticeRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM lawful_notices WHERE sent_ts IS NULL AND due_ts <= ?1 ORDER BY due_ts LIMIT 200")
		.bind(now)
		.all<NoticeRow>();
	return results;
}

export async function noticesOfOrder(db: D1Database, orderId: string): Promise<NoticeRow[]> {
	const { results } = await db.prepare("SELECT * FROM lawful_notices WHERE order_id = ?1").bind(orderId).all<NoticeRow>();
	return results;
}

export async function markNoticeSent(db: D1Database, row: Pick<NoticeRow, "order_id" | "target_user" | "reason">, roomId: string, now: number): Promise<boolean> {
	const r = await db
		.prepare("UPDATE lawful_notices SET sent_ts = ?1, room_id = ?2 WHERE order_id = ?3 AND target_user = ?4 AND reason = ?5 AND sent_ts IS NULL")
		.bind(now, roomId, row.order_id, row.target_user, row.reason)
		.run();
	return r.meta.changes === 1;
}

/** An NDO extension moves every unsent notice of the order. */
export async function delayNotices(db: D1Database, orderId: string, until: number): Promise<number> {
	const r = await db.prepare("UPDATE lawful_notices SET due_ts = ?1 WHERE order_id = ?2 AND sent_ts IS NULL AND due_ts < ?1").bind(until, orderId).run();
	return r.meta.changes;
}

export async function getNoticeRoom(db: D1Database, userId: string): Promise<string | null> {
	const row = await db.prepare("SELECT room_id FROM lawful_notice_rooms WHERE user_id = ?1").bind(userId).first<{ room_id: string }>();
	return row?.room_id ?? null;
}

export async function putNoticeRoom(db: D1Database, userId: string, roomId: string): Promise<void> {
	await db.prepare("INSERT OR IGNORE INTO lawful_notice_rooms (user_id, room_id) VALUES (?1, ?2)").bind(userId, roomId).run();
}

/** The NDO end as extended by signed updates, if any. */
export async function ndoExtension(db: D1Database, orderId: string): Promise<number | null> {
	const row = await db.prepare("SELECT until_ts FROM lawful_ndo_extensions WHERE order_id = ?1").bind(orderId).first<{ until_ts: number }>();
	return row?.until_ts ?? null;
}

export async function extendNdo(db: D1Database, orderId: string, until: number, now: number): Promise<void> {
	await db
		.prepare("INSERT INTO lawful_ndo_extensions (order_id, until_ts, updated_ts) VALUES (?1, ?2, ?3) ON CONFLICT (order_id) DO UPDATE SET until_ts = max(until_ts, excluded.until_ts), updated_ts = excluded.updated_ts")
		.bind(orderId, until, now)
		.run();
}
