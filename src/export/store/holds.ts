// D1 access for preservation holds: one hold per (order, LP task) in lawful_holds, naming the local accounts
// listed in lawful_hold_accounts (none, one, or every account an IP/e-mail/phone target resolved to).
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Preservation (LP)")

import { heldUsersSql } from "../../platform/preservation-holds";

export interface HoldRow {
	order_id: string;
	ldid: string;
	created_ts: number;
	expires_ts: number;
	renewals: number;
	released_ts: number | null;
}

/**
 * Creates the task's hold and names its accounts in one batch (atomic in D1), so a hold never exists without
 * the accounts it was created for. False when the task's hold existed already (nothing is changed then).
 */
export async function insertHold(db: D1Database, hold: Pick<HoldRow, "order_id" | "ldid" | "created_ts" | "expires_ts">, users: readonly string[]): Promise<boolean> {
	const exists = await db.prepare("SELECT 1 AS ok FROM lawful_holds WHERE order_id = ?1 AND ldid = ?2").bind(hold.order_id, hold.ldid).first();
	if (exists !== null) return false;
	const [created] = await db.batch([
		db.prepare("INSERT OR IGNORE INTO lawful_holds (order_id, ldid, created_ts, expires_ts) VALUES (?1, ?2, ?3, ?4)").bind(hold.order_id, hold.ldid, hold.created_ts, hold.expires_ts),
		...users.map((u) => db.prepare("INSERT OR IGNORE INTO lawful_hold_accounts (order_id, ldid, user_id) VALUES (?1, ?2, ?3)").bind(hold.order_id, hold.ldid, u)),
	]);
	return created?.meta.changes === 1;
}

/** The accounts a hold names. */
export async function accountsOfHold(db: D1Database, orderId: string, ldid: string): Promise<string[]> {
	const { results } = await db.prepare("SELECT user_id FROM lawful_hold_accounts WHERE order_id = ?1 AND ldid = ?2 ORDER BY user_id").bind(orderId, ldid).all<{ user_id: string }>();
	return results.map((r) => r.user_id);
}

export async function holdsOfOrder(db: D1Database, orderId: string): Promise<HoldRow[]> {
	const { results } = await db.prepare("SELECT * FROM lawful_holds WHERE order_id = ?1 ORDER BY ldid").bind(orderId).all<HoldRow>();
	return results;
}

/** Every user with an unreleased, unexpired hold: the purge job skips exactly these. */
export async function heldUsers(db: D1Database, now: number): Promise<Set<string>> {
	const { results } = await db.prepare(heldUsersSql("?1")).bind(now).all<{ user_id: string }>();
	return new Set(results.map((r) => r.user_id));
}

/** A renewal extends only holds not renewed before (the design allows one) and not yet released. */
export async function renewHolds(db: D1Database, orderId: string, newExpiry: number): Promise<number> {
	const r = await db
		.prepare("UPDATE lawful_holds SET expires_ts = ?1, renewals = renewals + 1 WHERE order_id = ?2 AND renewals = 0 AND released_ts IS NULL")
		.bind(newExpiry, orderId)
		.run();
	return r.meta.changes;
}

/** Holds past expiry and not yet released, for the hourly job. */
export async function expiredHolds(db: D1Database, now: number): Promise<HoldRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM lawful_holds WHERE released_ts IS NULL AND expires_ts <= ?1 ORDER BY expires_ts LIMIT 500")
		.bind(now)
		.all<HoldRow>();
	return results;
}

export async function releaseHolds(db: D1Database, orderId: string, now: number, ldid?: string): Promise<number> {
	const r =
		ldid === undefined
			? await db.prepare("UPDATE lawful_holds SET released_ts = ?1 WHERE order_id = ?2 AND released_ts IS NULL").bind(now, orderId).run()
			: await db.prepare("UPDATE lawful_holds SET released_ts = ?1 WHERE order_id = ?2 AND ldid = ?3 AND released_ts IS NULL").bind(now, orderId, ldid).run();
	return r.meta.changes;
}

export async function activeHoldCount(db: D1Database, orderId: string): Promise<number> {
	const row = await db.prepare("SELECT COUNT(*) AS n FROM lawful_holds WHERE order_id = ?1 AND released_ts IS NULL").bind(orderId).first<{ n: number }>();
	return row?.n ?? 0;
}
