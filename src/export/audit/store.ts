// All SQL of the AuditLogDO: reading the chain head, appending, and paging through the log.

import type { AuditRow } from "./hash-chain";

export interface ChainHead {
	/** 0 for an empty log. */
	seq: number;
	/** The last entry_hash, or the genesis hash for an empty log. */
	entry_hash: string;
}

export class AuditStore {
	constructor(private readonly sql: SqlStorage) {}

	head(): ChainHead | null {
		const rows = this.sql
			.exec<{ seq: number; entry_hash: string }>("SELECT seq, entry_hash FROM log ORDER BY seq DESC LIMIT 1")
			.toArray();
		return rows[0] ?? null;
	}

	append(row: AuditRow): void {
		this.sql.exec(
			"INSERT INTO log (seq, prev_hash, entry_hash, ts, kind, body) VALUES (?, ?, ?, ?, ?, ?)",
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
		return this.sql
			.exec<AuditRow>(
				"SELECT seq, prev_hash, entry_hash, ts, kind, body FROM log WHERE seq > ? ORDER BY seq LIMIT ?",
				afterSeq,
				limit,
			)
			.toArray();
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
