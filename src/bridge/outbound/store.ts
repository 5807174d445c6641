// All SQL of the DestinationDO: the outbound queue, the in-flight transaction and backoff state.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions

export type QueueKind = "pdu" | "edu";

export interface DestinationStatus {
	queued_pdus: number;
	queued_edus: number;
	/** The transaction on the wire, or null when none is. */
	in_flight_txn_id: string | null;
	retry_count: number;
	/** When the next send may be tried; null when not backing off. */
	next_attempt_ts: number | null;
}

export class DestinationStore {
	constructor(private readonly sql: SqlStorage) {}

	/** Queues a PDU or EDU; false when `dedupeKey` was already queued (a repeated hand-off). */
	enqueue(kind: QueueKind, payload: string, dedupeKey: string | null, nowTs: number): boolean {
		// RETURNING, not rowsWritten: the latter also counts writes to indexes and sqlite_sequence.
		const inserted = this.sql.exec(
			"INSERT INTO queue (kind, dedupe_key, payload, enqueued_ts) VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
			kind,
			dedupeKey,
			payload,
			nowTs,
		);
		return inserted.toArray().length > 0;
	}

	status(): DestinationStatus {
		const counts = this.sql
			.exec<{ pdus: number; edus: number }>(
				"SELECT COALESCE(SUM(kind = 'pdu'), 0) AS pdus, COALESCE(SUM(kind = 'edu'), 0) AS edus FROM queue",
			)
			.one();
		const txn = this.sql.exec<{ txn_id: string }>("SELECT txn_id FROM in_flight_txn WHERE singleton = 1").toArray()[0];
		const backoff = this.sql
			.exec<{ retry_count: number; next_attempt_ts: number | null }>(
				"SELECT retry_count, next_attempt_ts FROM backoff WHERE singleton = 1",
			)
			.toArray()[0];
		return {
			queued_pdus: counts.pdus,
			queued_edus: counts.edus,
			in_flight_txn_id: txn?.txn_id ?? null,
			retry_count: backoff?.retry_count ?? 0,
			next_attempt_ts: backoff?.next_attempt_ts ?? null,
		};
	}

	/** True when nothing is queued or in flight: an alarm has no work. */
	isIdle(): boolean {
		return (
			this.sql.exec("SELECT 1 FROM queue LIMIT 1").toArray().length === 0 &&
			this.sql.exec("SELECT 1 FROM in_flight_txn LIMIT 1").toArray().length === 0
		);
	}
}
