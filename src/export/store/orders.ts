// D1 access for received orders: insert an accepted order with its tasks and its replay-guard row in one
// batch, and the replay lookup of step 5. Tables: migrations/0009_lawful_orders.sql. Status reads and the
// status compare-and-set are the lifecycle's (store/order-status.ts).
// Design: LAWFUL_ACCESS.md "Validation" steps 5 and 13.

import type { OrderStatus, ScopeTask, ValidatedOrder } from "../order/types";

export interface NewOrder {
	orderId: string;
	sha256: string;
	sender: string;
	jws: string;
	canonicalPayload: string;
	order: ValidatedOrder;
	status: OrderStatus;
	now: number;
}

function targetUser(task: ScopeTask): string | null {
	return task.target.format === "ServiceAccessIdentifier" || task.target.format === "MatrixDeviceId" ? task.target.userId : null;
}

/**
 * Stores the order. False when the sender's transaction ID was taken meanwhile (a concurrent submission):
 * the batch is one transaction, so then nothing was written.
 */
export async function insertOrder(db: D1Database, o: NewOrder): Promise<boolean> {
	const statements = [
		db
			.prepare("INSERT INTO lawful_order_replay (sender, transaction_id, order_id, order_sha256, created_ts) VALUES (?1, ?2, ?3, ?4, ?5)")
			.bind(o.sender, o.order.transactionId, o.orderId, o.sha256, o.now),
		db
			.prepare(
				"INSERT INTO lawful_orders (order_id, status, order_sha256, issuer, transaction_id, legal_basis, jws, canonical_payload, validated_json, received_ts, updated_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
			)
			.bind(o.orderId, o.status, o.sha256, o.order.issuer, o.order.transactionId, o.order.legalBasis, o.jws, o.canonicalPayload, JSON.stringify(o.order), o.now),
		...o.order.tasks.map((t) =>
			db
				.prepare(
					"INSERT INTO lawful_tasks (order_id, ldid, kind, request_type, target_format, target_json, target_user, window_start, window_end, preservation_expires_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				)
				.bind(o.orderId, t.ldid, t.kind, t.requestType, t.target.format, JSON.stringify(t.target), targetUser(t), t.window?.start ?? null, t.window?.end ?? null, t.preservationExpiresAt),
		),
	];
	try {
		await db.batch(statements);
		return true;
	} catch (e) {
		if (e instanceof Error && /UNIQUE|PRIMARY KEY/i.test(e.message)) return false;
		throw e;
	}
}

/** Step 5's lookup: the order that used this sender's transaction ID, with its SHA-256. */
export async function findTransaction(db: D1Database, sender: string, transactionId: string): Promise<{ orderId: string; sha256: string } | null> {
	const row = await db
		.prepare("SELECT order_id, order_sha256 FROM lawful_order_replay WHERE sender = ?1 AND transaction_id = ?2")
		.bind(sender, transactionId)
		.first<{ order_id: string; order_sha256: string }>();
	return row ? { orderId: row.order_id, sha256: row.order_sha256 } : null;
}

/** Status and LDIDs for the resubmission answer. */
export async function orderSummary(db: D1Database, orderId: string): Promise<{ status: string; ldids: string[] } | null> {
	const row = await db.prepare("SELECT status FROM lawful_orders WHERE order_id = ?1").bind(orderId).first<{ status: string }>();
	if (!row) return null;
	const { results } = await db.prepare("SELECT ldid FROM lawful_tasks WHERE order_id = ?1 ORDER BY ldid").bind(orderId).all<{ ldid: string }>();
	return { status: row.status, ldids: results.map((r) => r.ldid) };
}

/** The verbatim JWS of an order (data/order.jws in the package). */
export async function orderJws(db: D1Database, orderId: string): Promise<string | null> {
	const row = await db.prepare("SELECT jws FROM lawful_orders WHERE order_id = ?1").bind(orderId).first<{ jws: string }>();
	return row?.jws ?? null;
}
