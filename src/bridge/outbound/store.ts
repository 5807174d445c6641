// All SQL of the DestinationDO: the outbound queue, the in-flight transaction, backoff state and the
// per-room catch-up cursors. Spec: https://spec.matrix.org/latest/server-server-api/#transactions

import {
	buildTransactionBody,
	makeTxnId,
	MAX_EDUS_PER_TXN,
	MAX_PDUS_PER_TXN,
	type QueuedPduRef,
	selectCatchUp,
} from "../../protocol/federation/outbound-transaction";

/** How long a sent dedupe key is remembered: far longer than any queue redelivery. */
const SENT_KEY_RETENTION_MS = 24 * 60 * 60_000;

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

/** The one transaction on the wire: resent byte for byte, under the same ID, until acknowledged. */
export interface InFlightTxn {
	txn_id: string;
	payload: string;
	attempts: number;
	/** Room ID -> event ID of the newest PDU of that room in this transaction. */
	cursors: Record<string, string>;
}

export type BackoffState = {
	retry_count: number;
	next_attempt_ts: number | null;
	down_since_ts: number | null;
};

export class DestinationStore {
	constructor(private readonly sql: SqlStorage) {}

	/** Queues a PDU or EDU; false when `dedupeKey` was already queued or sent (a repeated hand-off). */
	enqueue(kind: QueueKind, payload: string, dedupeKey: string | null, nowTs: number, roomId: string | null = null): boolean {
		if (dedupeKey !== null && this.sql.exec("SELECT 1 FROM sent_keys WHERE dedupe_key = ?", dedupeKey).toArray().length > 0) return false;
		// RETURNING, not rowsWritten: the latter also counts writes to indexes and sqlite_sequence.
		const inserted = this.sql.exec(
			"INSERT INTO queue (kind, dedupe_key, payload, enqueued_ts, room_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
			kind,
			dedupeKey,
			payload,
			nowTs,
			roomId,
		);
		return inserted.toArray().length > 0;
	}

	status(): DestinationStatus {
		const counts = this.sql
			.exec<{ pdus: number; edus: number }>(
				"SELECT COALESCE(SUM(kind = 'pdu'), 0) AS pdus, COALESCE(SUM(kind = 'edu'), 0) AS edus FROM queue",
			)
			.one();
		const txn = this.inFlight();
		const backoff = this.backoff();
		return {
			queued_pdus: counts.pdus,
			queued_edus: counts.edus,
			in_flight_txn_id: txn?.txn_id ?? null,
			retry_count: backoff.retry_count,
			next_attempt_ts: backoff.next_attempt_ts,
		};
	}

	/** True when nothing is queued or in flight: an alarm has no work. */
	isIdle(): boolean {
		return (
			this.sql.exec("SELECT 1 FROM queue LIMIT 1").toArray().length === 0 &&
			this.sql.exec("SELECT 1 FROM in_flight_txn LIMIT 1").toArray().length === 0
		);
	}

	queuedPduCount(): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queue WHERE kind = 'pdu'").one().n;
	}

	inFlight(): InFlightTxn | undefined {
		const row = this.sql
			.exec<{ txn_id: string; payload: string; attempts: number; cursors: string }>("SELECT txn_id, payload, attempts, cursors FROM in_flight_txn WHERE singleton = 1")
			.toArray()[0];
		return row && { txn_id: row.txn_id, payload: row.payload, attempts: row.attempts, cursors: JSON.parse(row.cursors) as Record<string, string> };
	}

	backoff(): BackoffState {
		const row = this.sql
			.exec<BackoffState>("SELECT retry_count, next_attempt_ts, down_since_ts FROM backoff WHERE singleton = 1")
			.toArray()[0];
		return row ?? { retry_count: 0, next_attempt_ts: null, down_since_ts: null };
	}

	/** The server name this object serves; remembered on first use because alarms have no caller to ask. */
	destination(): string | undefined {
		return this.sql.exec<{ destination: string }>("SELECT destination FROM meta WHERE singleton = 1").toArray()[0]?.destination;
	}

	rememberDestination(name: string): void {
		this.sql.exec("INSERT INTO meta (singleton, destination) VALUES (1, ?) ON CONFLICT (singleton) DO NOTHING", name);
	}

	/**
	 * Moves the next batch from the queue into the in-flight row. Run inside one storage transaction, so
	 * a crash leaves either the rows queued or the transaction in flight, never neither. With `catchUp`,
	 * older PDUs of each room are dropped first (the remote backfills them). Undefined when nothing is queued.
	 */
	claimTransaction(origin: string, nowTs: number, catchUp: boolean): InFlightTxn | undefined {
		if (catchUp) {
			const refs = this.sql
				.exec<{ id: number; room_id: string | null; dedupe_key: string | null }>("SELECT id, room_id, dedupe_key FROM queue WHERE kind = 'pdu' ORDER BY id")
				.toArray()
				.map((r): QueuedPduRef => ({ id: r.id, roomId: r.room_id ?? "", eventId: r.dedupe_key ?? "" }));
			for (const dropped of selectCatchUp(refs).drop) {
				this.sql.exec("DELETE FROM queue WHERE id = ?", dropped.id);
				if (dropped.eventId !== "") this.sql.exec("INSERT OR IGNORE INTO sent_keys (dedupe_key, sent_ts) VALUES (?, ?)", dropped.eventId, nowTs);
			}
		}
		const pdus = this.sql
			.exec<{ id: number; payload: string; room_id: string | null; dedupe_key: string | null }>(
				"SELECT id, payload, room_id, dedupe_key FROM queue WHERE kind = 'pdu' ORDER BY id LIMIT ?",
				MAX_PDUS_PER_TXN,
			)
			.toArray();
		const edus = this.sql
			.exec<{ id: number; payload: string; dedupe_key: string | null }>("SELECT id, payload, dedupe_key FROM queue WHERE kind = 'edu' ORDER BY id LIMIT ?", MAX_EDUS_PER_TXN)
			.toArray();
		if (pdus.length === 0 && edus.length === 0) return undefined;
		const cursors: Record<string, string> = {};
		for (const p of pdus) if (p.room_id !== null && p.dedupe_key !== null) cursors[p.room_id] = p.dedupe_key;
		const seq = this.sql.exec<{ txn_seq: number }>("UPDATE meta SET txn_seq = txn_seq + 1 WHERE singleton = 1 RETURNING txn_seq").toArray()[0]?.txn_seq ?? 0;
		const txn: InFlightTxn = {
			txn_id: makeTxnId(nowTs, seq),
			payload: buildTransactionBody(origin, nowTs, pdus.map((p) => p.payload), edus.map((e) => e.payload)),
			attempts: 0,
			cursors,
		};
		this.sql.exec("INSERT INTO in_flight_txn (singleton, txn_id, payload, started_ts, attempts, cursors) VALUES (1, ?, ?, ?, 0, ?)", txn.txn_id, txn.payload, nowTs, JSON.stringify(cursors));
		for (const row of [...pdus, ...edus]) this.sql.exec("DELETE FROM queue WHERE id = ?", row.id);
		for (const p of pdus) if (p.dedupe_key !== null) this.sql.exec("INSERT OR IGNORE INTO sent_keys (dedupe_key, sent_ts) VALUES (?, ?)", p.dedupe_key, nowTs);
		for (const e of edus) if (e.dedupe_key !== null) this.sql.exec("INSERT OR IGNORE INTO sent_keys (dedupe_key, sent_ts) VALUES (?, ?)", e.dedupe_key, nowTs);
		return txn;
	}

	/** Counts an attempt before it is made, so a crash mid-request still shows in `attempts`. */
	markAttempt(): void {
		this.sql.exec("UPDATE in_flight_txn SET attempts = attempts + 1 WHERE singleton = 1");
	}

	/** The destination acknowledged the transaction: advance the room cursors, end backoff. */
	completeTransaction(nowTs: number): void {
		const txn = this.inFlight();
		if (!txn) return;
		for (const [roomId, eventId] of Object.entries(txn.cursors)) {
			this.sql.exec(
				"INSERT INTO room_cursor (room_id, event_id, updated_ts) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET event_id = excluded.event_id, updated_ts = excluded.updated_ts",
				roomId,
				eventId,
				nowTs,
			);
		}
		this.sql.exec("DELETE FROM in_flight_txn WHERE singleton = 1");
		this.sql.exec("DELETE FROM backoff WHERE singleton = 1");
		this.sql.exec("DELETE FROM sent_keys WHERE sent_ts < ?", nowTs - SENT_KEY_RETENTION_MS);
	}

	/** A failed attempt: one more retry, the next one not before `nextTs`; the outage started at the first. */
	recordFailure(nowTs: number, nextTs: number): BackoffState {
		this.sql.exec(
			`INSERT INTO backoff (singleton, retry_count, next_attempt_ts, down_since_ts) VALUES (1, 1, ?, ?)
			ON CONFLICT (singleton) DO UPDATE SET retry_count = retry_count + 1, next_attempt_ts = excluded.next_attempt_ts,
				down_since_ts = COALESCE(down_since_ts, excluded.down_since_ts)`,
			nextTs,
			nowTs,
		);
		return this.backoff();
	}

	/** The destination is reachable again: the next attempt may go now, and a failure starts over at retry 1. */
	resetRetries(): void {
		this.sql.exec("UPDATE backoff SET retry_count = 0, next_attempt_ts = NULL WHERE singleton = 1");
	}

	/** Room ID -> the newest event ID the destination acknowledged. */
	roomCursors(): Record<string, string> {
		const out: Record<string, string> = {};
		for (const r of this.sql.exec<{ room_id: string; event_id: string }>("SELECT room_id, event_id FROM room_cursor").toArray()) out[r.room_id] = r.event_id;
		return out;
	}
}
