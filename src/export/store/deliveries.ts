// D1 access for one-time deliveries (lawful_deliveries): only the token's SHA-256 is stored.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Delivery")

export interface DeliveryRow {
	token_hash: string;
	order_id: string;
	r2_key: string;
	package_sha256: string;
	created_ts: number;
	expires_ts: number;
	retrieved_ts: number | null;
	deleted_ts: number | null;
	deleted_reason: "retrieved" | "expired" | "cancelled" | null;
}

export async function insertDelivery(db: D1Database, row: Pick<DeliveryRow, "token_hash" | "order_id" | "r2_key" | "package_sha256" | "created_ts" | "expires_ts">): Promise<void> {
	await db
		.prepare("INSERT INTO lawful_deliveries (token_hash, order_id, r2_key, package_sha256, created_ts, expires_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
		.bind(row.token_hash, row.order_id, row.r2_key, row.package_sha256, row.created_ts, row.expires_ts)
		.run();
}

export async function getDeliveryByHash(db: D1Database, tokenHash: string): Promise<DeliveryRow | null> {
	return db.prepare("SELECT * FROM lawful_deliveries WHERE token_hash = ?1").bind(tokenHash).first<DeliveryRow>();
}

export async function getDeliveryOfOrder(db: D1Database, orderId: string): Promise<DeliveryRow | null> {
	return db.prepare("SELECT * FROM lawful_deliveries WHERE order_id = ?1").bind(orderId).first<DeliveryRow>();
}

/** The single successful retrieval: a compare-and-set, so two concurrent requests cannot both win. */
export async function claimRetrieval(db: D1Database, tokenHash: string, now: number): Promise<boolean> {
	const r = await db
		.prepare("UPDATE lawful_deliveries SET retrieved_ts = ?1 WHERE token_hash = ?2 AND retrieved_ts IS NULL AND deleted_ts IS NULL AND expires_ts > ?1")
		.bind(now, tokenHash)
		.run();
	return r.meta.changes === 1;
}

export async function markDeleted(db: D1Database, tokenHash: string, reason: "retrieved" | "expired" | "cancelled", now: number): Promise<boolean> {
	const r = await db
		.prepare("UPDATE lawful_deliveries SET deleted_ts = ?1, deleted_reason = ?2 WHERE token_hash = ?3 AND deleted_ts IS NULL")
		.bind(now, reason, tokenHash)
		.run();
	return r.meta.changes === 1;
}

/** Packages past their TTL and still stored. */
export async function expiredDeliveries(db: D1Database, now: number): Promise<DeliveryRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM lawful_deliveries WHERE deleted_ts IS NULL AND expires_ts <= ?1 ORDER BY expires_ts LIMIT 200")
		.bind(now)
		.all<DeliveryRow>();
	return results;
}

/** Retrieved but not yet deleted (a crash between the two steps): the job finishes the deletion. */
export async function retrievedUndeleted(db: D1Database): Promise<DeliveryRow[]> {
	const { results } = await db.prepare("SELECT * FROM lawful_deliveries WHERE deleted_ts IS NULL AND retrieved_ts IS NOT NULL LIMIT 200").all<DeliveryRow>();
	return results;
}
