// The DestinationDO's SQLite schema: what we owe one remote server, and how patiently we retry.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions

import type { MigrationStep } from "../../platform/sqlite-migrations";

export const DESTINATION_MIGRATIONS: readonly MigrationStep[] = [
	{
		name: "initial destination schema",
		sql: `
-- PDUs and EDUs waiting for the next transaction, in arrival order. payload is the exact JSON to send.
-- Producers deliver at least once, so dedupe_key (the event ID of a PDU, a producer-chosen key for an
-- EDU) turns a repeated hand-off into a no-op.
CREATE TABLE queue (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL CHECK (kind IN ('pdu', 'edu')),
	dedupe_key TEXT UNIQUE,
	payload TEXT NOT NULL,
	enqueued_ts INTEGER NOT NULL
);
CREATE INDEX queue_by_kind ON queue (kind, id);

-- The one transaction on the wire (spec: at most one in flight per destination). Its PDUs/EDUs move
-- out of the queue into payload in one storage transaction, so a retry resends the same txn_id and
-- body, which the receiver dedupes.
CREATE TABLE in_flight_txn (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	txn_id TEXT NOT NULL,
	payload TEXT NOT NULL,
	started_ts INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE backoff (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	retry_count INTEGER NOT NULL DEFAULT 0,
	next_attempt_ts INTEGER
);
`,
	},
];
