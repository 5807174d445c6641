// The DestinationDO's SQLite schema: what we owe one remote server, how patiently we retry, and which of
// its transactions we already answered.
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
	{
		name: "catch-up cursors and the destination's name",
		sql: `
-- The room of a queued PDU, so catch-up can keep only the newest PDU per room.
ALTER TABLE queue ADD COLUMN room_id TEXT;
-- Room -> event ID of the in-flight transaction's PDUs: written to room_cursor once it is acknowledged.
ALTER TABLE in_flight_txn ADD COLUMN cursors TEXT NOT NULL DEFAULT '{}';
-- When the current run of failures began: a long outage switches the queue to catch-up.
ALTER TABLE backoff ADD COLUMN down_since_ts INTEGER;

-- Per room, the newest PDU the destination has acknowledged ("caught up to"). After catch-up the
-- remote backfills from there; it is also what an operator asks for "how far behind is X".
CREATE TABLE room_cursor (
	room_id TEXT PRIMARY KEY,
	event_id TEXT NOT NULL,
	updated_ts INTEGER NOT NULL
);

-- Dedupe keys that already left the queue (in flight or delivered), kept a day: a hand-off the queue
-- redelivers after its row was sent must not send the event again.
CREATE TABLE sent_keys (
	dedupe_key TEXT PRIMARY KEY,
	sent_ts INTEGER NOT NULL
);

-- The server name this object serves (alarms know it only from here) and the txn ID sequence.
CREATE TABLE meta (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	destination TEXT NOT NULL,
	txn_seq INTEGER NOT NULL DEFAULT 0
);
`,
	},
	{
		name: "inbound transactions of this server",
		sql: `
-- Transactions this server sent us, with the answer we gave: a retry of the same txn_id gets that answer
-- and is not processed again (so an EDU is never applied twice). Spec: "The transaction ID ... used by the
-- receiving server to ... deduplicate". Written before the answer leaves; kept TXN_RETENTION_MS.
CREATE TABLE inbound_txn (
	txn_id TEXT PRIMARY KEY,
	received_ts INTEGER NOT NULL,
	response TEXT NOT NULL
);
CREATE INDEX inbound_txn_by_age ON inbound_txn (received_ts);

-- Set once this object took over the origin's transactions from D1's inbound_federation_txns (where they
-- were kept before), so a retry of a transaction answered before that still gets its answer.
CREATE TABLE inbound_txn_imported (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	imported_ts INTEGER NOT NULL
);
`,
	},
	{
		name: "sent keys by age",
		sql: `
-- completeTransaction forgets sent keys older than a day after every transaction: without this index
-- that is a scan of a day's worth of keys each time.
CREATE INDEX sent_keys_by_age ON sent_keys (sent_ts);
`,
	},
];
