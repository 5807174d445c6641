// Deactivation erasure (`erase: true` on POST /account/deactivate): the user asked to be forgotten, so their
// profile (every profile field, the display name and avatar among them) and their user-directory entry go;
// their events stay, as the spec allows. A lawful-access preservation hold suspends this erasure
// (LAWFUL_ACCESS.md "Preservation (LP)"), so the request is recorded first (D1 pending_erasures,
// migrations/0020_pending_erasures.sql) and carried out by one function, at deactivation when no hold names
// the account, otherwise by the hourly lifecycle job once none does. Shared because the worker's deactivation
// records and erases, and the export's hourly job erases what holds kept.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3accountdeactivate

import { heldUsersSql } from "./preservation-holds";

/** Accounts erased per batch, and batches per call: bounded work per hourly run; the rest waits for the next. */
const BATCH = 200;
const MAX_BATCHES = 50;

/** Records that `userId` asked for erasure (the first request's time stays if it asks again). */
export async function requestErasure(db: D1Database, userId: string, now: number): Promise<void> {
	await db.prepare("INSERT INTO pending_erasures (user_id, requested_ts) VALUES (?1, ?2) ON CONFLICT (user_id) DO NOTHING").bind(userId, now).run();
}

/**
 * Carries out the pending erasures of accounts no active hold names at `now`: `userId`'s only (deactivation),
 * or all (null: the hourly job). Per batch the profile, the directory entry and the pending row go in one D1
 * transaction, and every statement asks the hold rule itself, so a hold created meanwhile is never overtaken
 * and a held account keeps both its profile and its pending row. Returns the accounts erased.
 */
export async function carryOutErasures(db: D1Database, userId: string | null, now: number): Promise<number> {
	// The same accounts in all three statements: ordered by the key, and pending_erasures changes only in the last.
	const due = `SELECT user_id FROM pending_erasures WHERE (?1 IS NULL OR user_id = ?1) AND user_id NOT IN (${heldUsersSql("?2")}) ORDER BY user_id LIMIT ?3`;
	let erased = 0;
	for (let i = 0; i < MAX_BATCHES; i++) {
		const results = await db.batch([
			db.prepare(`DELETE FROM profile_fields WHERE user_id IN (${due})`).bind(userId, now, BATCH),
			db.prepare(`DELETE FROM user_directory WHERE user_id IN (${due})`).bind(userId, now, BATCH),
			db.prepare(`DELETE FROM pending_erasures WHERE user_id IN (${due})`).bind(userId, now, BATCH),
		]);
		const done = results[2]?.meta.changes ?? 0;
		erased += done;
		if (done < BATCH) break;
	}
	return erased;
}

/** Pending erasures that an active hold still suspends at `now` (a count, for the audit log). */
export async function suspendedErasures(db: D1Database, now: number): Promise<number> {
	const row = await db.prepare(`SELECT COUNT(*) AS n FROM pending_erasures WHERE user_id IN (${heldUsersSql("?1")})`).bind(now).first<{ n: number }>();
	return row?.n ?? 0;
}
