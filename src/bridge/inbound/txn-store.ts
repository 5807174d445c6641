// Inbound transaction dedupe: "(origin, txnId)" is processed once, and a retry gets the response we gave
// the first time. The origin's DestinationDO (one per remote server) holds it in its SQLite: one RPC on the
// delivery path instead of a D1 read before and a D1 write after processing.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
// ("The transaction ID ... used by the receiving server to ... deduplicate").

/** How long a processed transaction is remembered; senders retry within minutes, not days. */
export const TXN_RETENTION_MS = 7 * 24 * 3600 * 1000;

export class InboundTxnStore {
	constructor(private readonly sql: SqlStorage) {}

	/** The response we gave to `txnId`, or null when it was not processed (or is forgotten). */
	response(txnId: string): string | null {
		return this.sql.exec<{ response: string }>("SELECT response FROM inbound_txn WHERE txn_id = ?", txnId).toArray()[0]?.response ?? null;
	}

	/** Records the response; a concurrent duplicate that finished first keeps its own. Forgets expired ones. */
	remember(txnId: string, response: string, nowTs: number): void {
		this.sql.exec("INSERT OR IGNORE INTO inbound_txn (txn_id, received_ts, response) VALUES (?, ?, ?)", txnId, nowTs, response);
		this.sql.exec("DELETE FROM inbound_txn WHERE received_ts < ?", nowTs - TXN_RETENTION_MS);
	}

	/** True once the origin's transactions kept in D1 (before this store existed) were copied here. */
	imported(): boolean {
		return this.sql.exec("SELECT 1 FROM inbound_txn_imported").toArray().length > 0;
	}

	/** Copies the origin's unexpired D1 rows (read by the caller) and marks the import done, in one go. */
	importRows(rows: readonly { txn_id: string; received_ts: number; response: string }[], nowTs: number): void {
		for (const r of rows) {
			if (r.received_ts < nowTs - TXN_RETENTION_MS) continue;
			this.sql.exec("INSERT OR IGNORE INTO inbound_txn (txn_id, received_ts, response) VALUES (?, ?, ?)", r.txn_id, r.received_ts, r.response);
		}
		this.sql.exec("INSERT OR IGNORE INTO inbound_txn_imported (singleton, imported_ts) VALUES (1, ?)", nowTs);
	}
}

/** The origin's transactions D1 kept before the DestinationDO did (migrations/0001_init.sql). */
export async function legacyTxnRows(db: D1Database, origin: string, nowTs: number): Promise<{ txn_id: string; received_ts: number; response: string }[]> {
	const rows = await db
		.prepare("SELECT txn_id, received_ts, response FROM inbound_federation_txns WHERE origin = ?1 AND received_ts >= ?2")
		.bind(origin, nowTs - TXN_RETENTION_MS)
		.all<{ txn_id: string; received_ts: number; response: string }>();
	return rows.results;
}
