// Typed queries on D1 `user_reports` (migrations/0013): users reported to the server's administrators.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3usersuseridreport

export interface NewUserReport {
	reporter: string;
	user_id: string;
	reason: string;
	created_ts: number;
}

export async function insertUserReport(db: D1Database, r: NewUserReport): Promise<void> {
	await db.prepare("INSERT INTO user_reports (reporter, user_id, reason, created_ts) VALUES (?1, ?2, ?3, ?4)").bind(r.reporter, r.user_id, r.reason, r.created_ts).run();
}

export async function countUserReports(db: D1Database, userId: string): Promise<number> {
	const row = await db.prepare("SELECT COUNT(*) AS n FROM user_reports WHERE user_id = ?1").bind(userId).first<{ n: number }>();
	return row?.n ?? 0;
}
