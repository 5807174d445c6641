// Typed queries on D1 `content_reports` (migrations/0006_content_reports.sql): what users reported.
// Spec: https://spec.matrix.org/latest/client-server-api/#reporting-content

export interface NewReport {
	reporter: string;
	room_id: string;
	/** Null for a report of the whole room. */
	event_id: string | null;
	reason: string | null;
	score: number | null;
	created_ts: number;
}

export async function insertReport(db: D1Database, r: NewReport): Promise<void> {
	await db
		.prepare("INSERT INTO content_reports (reporter, room_id, event_id, reason, score, created_ts) VALUES (?, ?, ?, ?, ?, ?)")
		.bind(r.reporter, r.room_id, r.event_id, r.reason, r.score, r.created_ts)
		.run();
}

export async function countReports(db: D1Database, roomId: string): Promise<number> {
	const row = await db.prepare("SELECT COUNT(*) AS n FROM content_reports WHERE room_id = ?").bind(roomId).first<{ n: number }>();
	return row?.n ?? 0;
}
