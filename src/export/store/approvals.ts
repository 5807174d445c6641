// D1 access for operator decisions (lawful_approvals), the current narrowed scope (lawful_scopes) and the
// emergency record (lawful_emergencies). Design: /work/shared/LAWFUL_ACCESS.md#lifecycle

import type { ScopeTask } from "../order/types";

export type Decision = "approve" | "reject" | "narrow" | "review";

export interface DecisionRow {
	operator: string;
	decision: Decision;
	reason: string;
	scope_key: string;
	created_ts: number;
}

export async function recordDecision(db: D1Database, orderId: string, row: DecisionRow): Promise<boolean> {
	// The partial unique index refuses a second approval of one scope by one operator, even under a race.
	const result = await db
		.prepare("INSERT OR IGNORE INTO lawful_approvals (order_id, operator, decision, reason, scope_key, created_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
		.bind(orderId, row.operator, row.decision, row.reason, row.scope_key, row.created_ts)
		.run();
	return result.meta.changes === 1;
}

export async function listDecisions(db: D1Database, orderId: string): Promise<DecisionRow[]> {
	const { results } = await db
		.prepare("SELECT operator, decision, reason, scope_key, created_ts FROM lawful_approvals WHERE order_id = ?1 ORDER BY id")
		.bind(orderId)
		.all<DecisionRow>();
	return results;
}

export async function getScope(db: D1Database, orderId: string): Promise<ScopeTask[] | null> {
	const row = await db.prepare("SELECT scope_json FROM lawful_scopes WHERE order_id = ?1").bind(orderId).first<{ scope_json: string }>();
	return row === null ? null : (JSON.parse(row.scope_json) as ScopeTask[]);
}

export async function putScope(db: D1Database, orderId: string, tasks: readonly ScopeTask[], key: string, now: number): Promise<void> {
	await db
		.prepare(
			"INSERT INTO lawful_scopes (order_id, scope_json, scope_key, updated_ts) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (order_id) DO UPDATE SET scope_json = excluded.scope_json, scope_key = excluded.scope_key, updated_ts = excluded.updated_ts",
		)
		.bind(orderId, JSON.stringify(tasks), key, now)
		.run();
}

export interface EmergencyRow {
	order_id: string;
	callback_contact: string;
	callback_note: string;
	verified_by: string;
	verified_ts: number;
	review_due_ts: number;
	reviewed_by: string | null;
	reviewed_ts: number | null;
	review_outcome: "upheld" | "overturned" | null;
	overdue_reported_ts: number | null;
	/** When formal (non-emergency) process is due (migrations/0015); null for emergencies from before it. */
	formal_due_ts: number | null;
	formal_order_id: string | null;
	formal_overdue_reported_ts: number | null;
}

export async function getEmergency(db: D1Database, orderId: string): Promise<EmergencyRow | null> {
	return db.prepare("SELECT * FROM lawful_emergencies WHERE order_id = ?1").bind(orderId).first<EmergencyRow>();
}

export async function insertEmergency(
	db: D1Database,
	row: Pick<EmergencyRow, "order_id" | "callback_contact" | "callback_note" | "verified_by" | "verified_ts" | "review_due_ts"> & { formal_due_ts: number },
): Promise<void> {
	await db
		.prepare("INSERT INTO lawful_emergencies (order_id, callback_contact, callback_note, verified_by, verified_ts, review_due_ts, formal_due_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
		.bind(row.order_id, row.callback_contact, row.callback_note, row.verified_by, row.verified_ts, row.review_due_ts, row.formal_due_ts)
		.run();
}

/**
 * Links a newly accepted non-emergency order as the formal process of the same authority's emergencies under the
 * same case reference that still wait for one. Returns the emergency orders it was linked to.
 */
export async function linkFormalOrder(db: D1Database, issuer: string, caseReference: string, formalOrderId: string): Promise<string[]> {
	const { results } = await db
		.prepare(
			`UPDATE lawful_emergencies SET formal_order_id = ?3
			WHERE formal_order_id IS NULL AND formal_due_ts IS NOT NULL AND order_id IN (
				SELECT order_id FROM lawful_orders WHERE issuer = ?1 AND json_extract(validated_json, '$.authorisationReference') = ?2 AND order_id != ?3)
			RETURNING order_id`,
		)
		.bind(issuer, caseReference, formalOrderId)
		.all<{ order_id: string }>();
	return results.map((r) => r.order_id);
}

/** Emergencies whose formal process is overdue and not yet reported (the hourly job audits each once). */
export async function overdueFormalProcess(db: D1Database, now: number): Promise<EmergencyRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM lawful_emergencies WHERE formal_order_id IS NULL AND formal_due_ts <= ?1 AND formal_overdue_reported_ts IS NULL")
		.bind(now)
		.all<EmergencyRow>();
	return results;
}

export async function markFormalOverdueReported(db: D1Database, orderId: string, now: number): Promise<void> {
	await db.prepare("UPDATE lawful_emergencies SET formal_overdue_reported_ts = ?1 WHERE order_id = ?2").bind(now, orderId).run();
}

export async function recordReview(db: D1Database, orderId: string, reviewer: string, outcome: "upheld" | "overturned", now: number): Promise<boolean> {
	const r = await db
		.prepare("UPDATE lawful_emergencies SET reviewed_by = ?1, reviewed_ts = ?2, review_outcome = ?3 WHERE order_id = ?4 AND reviewed_ts IS NULL")
		.bind(reviewer, now, outcome, orderId)
		.run();
	return r.meta.changes === 1;
}

/** Emergencies whose review is overdue and not yet reported (the hourly job audits each once). */
export async function overdueReviews(db: D1Database, now: number): Promise<EmergencyRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM lawful_emergencies WHERE reviewed_ts IS NULL AND review_due_ts <= ?1 AND overdue_reported_ts IS NULL")
		.bind(now)
		.all<EmergencyRow>();
	return results;
}

export async function markOverdueReported(db: D1Database, orderId: string, now: number): Promise<void> {
	await db.prepare("UPDATE lawful_emergencies SET overdue_reported_ts = ?1 WHERE order_id = ?2").bind(now, orderId).run();
}
