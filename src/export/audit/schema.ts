// The AuditLogDO's SQLite schema: the append-only, hash-chained lawful-access audit log and its checkpoints.
// See LAWFUL_ACCESS.md "Lifecycle" → "Audit log" and entry.ts for the hashing rule. body holds the entry's
// RFC 8785 (JCS) text; kind holds its type.

import type { MigrationStep } from "../../platform/sqlite-migrations";

export const AUDIT_MIGRATIONS: readonly MigrationStep[] = [
	{
		name: "initial audit log schema",
		sql: `
-- seq is 1-based and contiguous, so a gap shows a removed entry. body is canonical JSON.
CREATE TABLE log (
	seq INTEGER PRIMARY KEY,
	prev_hash TEXT NOT NULL,
	entry_hash TEXT NOT NULL UNIQUE,
	ts INTEGER NOT NULL,
	kind TEXT NOT NULL,
	body TEXT NOT NULL
);
-- Append-only in the database itself, not just by convention in code. The hash chain still catches
-- edits made by anyone able to drop these triggers.
CREATE TRIGGER log_no_update BEFORE UPDATE ON log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER log_no_delete BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- Signed statements of the chain head at a seq, published outside the log so that a rewrite of the
-- whole chain is detectable too.
CREATE TABLE checkpoints (
	seq INTEGER PRIMARY KEY REFERENCES log (seq),
	entry_hash TEXT NOT NULL,
	signed_json TEXT NOT NULL,
	created_ts INTEGER NOT NULL
);
`,
	},
	{
		name: "audit log time index",
		// The transparency report reads one half-year at a time.
		sql: "CREATE INDEX log_ts ON log (ts, seq);",
	},
];
