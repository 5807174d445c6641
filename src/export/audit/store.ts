// All SQL of the AuditLogDO: the chain head, appending, paging through the log, and checkpoints.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log".

import type { AuditRow } from "./hash-chain";

export interface ChainHead {
	/** 0 for an empty log. */
	seq: number;
	/** The last entryHash, or the genesis hash for an empty log. */
	entry_hash: string;
}

/** A signed statement that the log had `seq` entries with head `entry_hash`; signed_json is a compact JWS. */
export type StoredCheckpoint = {
	seq: number;
	entry_hash: string;
	signed_json: string;
	created_ts: number;
};

const ROW_COLUMNS = "seq, prev_hash, entry_hash, ts, kind, body";

export class AuditStore {
	constructor(private readonly sql: SqlStorage) {}

	head(): ChainHead | null {
		const rows = this.sql
			.exec<{ seq: number; entry_hash: string }>("SELECT seq, entry_hash FROM log ORDER BY seq DESC LIMIT 1")
			.toArray();
		return rows[0] ?? null;
	}

	has(seq: number, entryHash: string): boolean {
		return this.sql.exec("SELECT 1 FROM log WHERE seq = ? AND entry_hash = ?", seq, entryHash).toArray().length > 0;
	}

	append(row: AuditRow): void {
		this.sql.exec(
			`INSERT INTO log (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
			row.seq,
			row.prev_hash,
			row.entry_hash,
			row.ts,
			row.kind,
			row.body,
		);
	}

	/** Up to `limit` rows after `afterSeq`, in order. */
	page(afterSeq: number, limit: number): AuditRow[] {
		return this.sql.exec<AuditRow>(`SELECT ${ROW_COLUMNS} FROM log WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit).toArray();
	}

	/** Up to `limit` rows after `afterSeq` with fromTs ≤ ts < toTs, in order. */
	pageByTime(fromTs: number, toTs: number, afterSeq: number, limit: number): AuditRow[] {
		return this.sql
			.exec<AuditRow>(`SELECT ${ROW_COLUMNS} FROM log WHERE seq > ? AND ts >= ? AND ts < ? ORDER BY seq LIMIT ?`, afterSeq, fromTs, toTs, limit)
			.toArray();
	}

	saveCheckpoint(c: StoredCheckpoint): void {
		this.sql.exec(
			"INSERT INTO checkpoints (seq, entry_hash, signed_json, created_ts) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING",
			c.seq,
			c.entry_hash,
			c.signed_json,
			c.created_ts,
		);
	}

	checkpoints(): StoredCheckpoint[] {
		return this.sql.exec<StoredCheckpoint>("SELECT seq, entry_hash, signed_json, created_ts FROM checkpoints ORDER BY seq").toArray();
	}

	/** Checkpoints whose entry_hash disagrees with the log row they name (or name a missing row). */
	mismatchedCheckpoints(): number[] {
		return this.sql
			.exec<{ seq: number }>(
				"SELECT c.seq AS seq FROM checkpoints c LEFT JOIN log l ON l.seq = c.seq WHERE l.entry_hash IS NOT c.entry_hash ORDER BY c.seq",
			)
			.toArray()
			.map((r) => r.seq);
	}
}
