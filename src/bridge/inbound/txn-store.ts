// Inbound transaction dedupe in D1: "(origin, txnId)" is processed once, and a retry gets the response
// we gave the first time. Spec: https://spec.matrix.org/latest/server-server-api/#transactions
// ("The transaction ID ... used by the receiving server to ... deduplicate").

/** How long a processed transaction is remembered; senders retry within minutes, not days. */
export const TXN_RETENTION_MS = 7 * 24 * 3600 * 1000;

export async function loadTxnResponse(db: D1Database, origin: string, txnId: string): Promise<string | null> {
	const row = await db.prepare("SELECT response FROM inbound_federation_txns WHERE origin = ?1 AND txn_id = ?2").bind(origin, txnId).first<{ response: string }>();
	return row?.response ?? null;
}

/** Records the response; a concurrent duplicate that finished first keeps its own (INSERT OR IGNORE). */
export async function storeTxnResponse(db: D1Database, origin: string, txnId: string, response: string, now: number): Promise<void> {
	await db.batch([
		db.prepare("INSERT OR IGNORE INTO inbound_federation_txns (origin, txn_id, received_ts, response) VALUES (?1, ?2, ?3, ?4)").bind(origin, txnId, now, response),
		db.prepare("DELETE FROM inbound_federation_txns WHERE received_ts < ?1").bind(now - TXN_RETENTION_MS),
	]);
}
