// The RoomDO's SQLite schema: one room's DAG, state and delivery bookkeeping.
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus (what is stored),
// https://spec.matrix.org/latest/server-server-api/#room-state-resolution (why state is kept per event).

import type { MigrationStep } from "../../platform/sqlite-migrations";

export const ROOM_MIGRATIONS: readonly MigrationStep[] = [
	{
		name: "initial room schema",
		sql: `
-- One row: the room this object owns. stream_position is the last stream_ordering handed out.
CREATE TABLE room_meta (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	room_id TEXT NOT NULL,
	room_version TEXT NOT NULL,
	stream_position INTEGER NOT NULL DEFAULT 0,
	created_ts INTEGER NOT NULL
);

-- pdu is the exact JSON as signed or received: hashes and signatures cover its bytes, so it is never
-- rebuilt from the columns beside it (those exist only to query by).
-- stream_ordering is NULL for outliers: they are known but not part of the room's timeline.
CREATE TABLE events (
	event_id TEXT PRIMARY KEY,
	stream_ordering INTEGER UNIQUE,
	depth INTEGER NOT NULL,
	type TEXT NOT NULL,
	state_key TEXT,
	sender TEXT NOT NULL,
	origin_server_ts INTEGER NOT NULL,
	pdu TEXT NOT NULL,
	outlier INTEGER NOT NULL DEFAULT 0 CHECK (outlier IN (0, 1)),
	rejected INTEGER NOT NULL DEFAULT 0 CHECK (rejected IN (0, 1)),
	rejection_reason TEXT,
	soft_failed INTEGER NOT NULL DEFAULT 0 CHECK (soft_failed IN (0, 1)),
	received_ts INTEGER NOT NULL,
	CHECK ((rejected = 1) = (rejection_reason IS NOT NULL))
);
CREATE INDEX events_by_state_key ON events (type, state_key) WHERE state_key IS NOT NULL;

-- DAG edges. The target may be missing (not yet fetched), so there is no foreign key on it.
CREATE TABLE event_edges (
	event_id TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('prev', 'auth')),
	target_id TEXT NOT NULL,
	PRIMARY KEY (event_id, kind, target_id)
) WITHOUT ROWID;
CREATE INDEX event_edges_by_target ON event_edges (target_id, kind);

-- State groups as deltas (as Synapse does): a group holds only the entries that differ from
-- prev_group, or a full snapshot when prev_group is NULL. A NULL event_id in a delta removes the key,
-- which state resolution can do when every conflicting candidate fails auth.
CREATE TABLE state_groups (
	id INTEGER PRIMARY KEY,
	prev_group INTEGER REFERENCES state_groups (id),
	delta_depth INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE state_group_entries (
	group_id INTEGER NOT NULL REFERENCES state_groups (id),
	type TEXT NOT NULL,
	state_key TEXT NOT NULL,
	event_id TEXT,
	PRIMARY KEY (group_id, type, state_key)
) WITHOUT ROWID;

-- The state before and after each event (equal for non-state and rejected events).
CREATE TABLE event_state (
	event_id TEXT PRIMARY KEY REFERENCES events (event_id),
	state_before INTEGER NOT NULL REFERENCES state_groups (id),
	state_after INTEGER NOT NULL REFERENCES state_groups (id)
);

CREATE TABLE current_state (
	type TEXT NOT NULL,
	state_key TEXT NOT NULL,
	event_id TEXT NOT NULL REFERENCES events (event_id),
	PRIMARY KEY (type, state_key)
) WITHOUT ROWID;

-- Events with no known children: the prev_events of the next local event.
CREATE TABLE forward_extremities (
	event_id TEXT PRIMARY KEY REFERENCES events (event_id)
) WITHOUT ROWID;

-- Client txn IDs are scoped to a device (spec: "transaction identifiers"), so retries return the same event.
-- Spec: https://spec.matrix.org/latest/client-server-api/#transaction-identifiers
CREATE TABLE local_txns (
	user_id TEXT NOT NULL,
	device_id TEXT NOT NULL,
	txn_id TEXT NOT NULL,
	event_id TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	PRIMARY KEY (user_id, device_id, txn_id)
) WITHOUT ROWID;

-- One receipt per (type, user, thread); '' is the unthreaded receipt, so the key stays NOT NULL.
-- Spec: https://spec.matrix.org/latest/client-server-api/#receipts
CREATE TABLE receipts (
	receipt_type TEXT NOT NULL,
	user_id TEXT NOT NULL,
	thread_id TEXT NOT NULL DEFAULT '',
	event_id TEXT NOT NULL,
	ts INTEGER NOT NULL,
	data TEXT NOT NULL DEFAULT '{}',
	stream_position INTEGER NOT NULL,
	PRIMARY KEY (receipt_type, user_id, thread_id)
) WITHOUT ROWID;

-- Pokes to local UserDOs and hand-offs to DestinationDOs, written in the same transaction as the
-- event they announce. A row is deleted only after its hand-off succeeded (at-least-once delivery).
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL CHECK (kind IN ('poke', 'federation')),
	target TEXT NOT NULL,
	stream_position INTEGER NOT NULL,
	payload TEXT,
	created_ts INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_ts INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_ts);
`,
	},
	{
		name: "members and redactions",
		sql: `
-- Every user's membership in current state, kept in the same transaction as current_state: who to poke,
-- who is joined, without parsing member PDUs. Spec: https://spec.matrix.org/latest/client-server-api/#mroommember
CREATE TABLE room_members (
	user_id TEXT PRIMARY KEY,
	membership TEXT NOT NULL CHECK (membership IN ('invite', 'join', 'knock', 'leave', 'ban')),
	event_id TEXT NOT NULL REFERENCES events (event_id),
	stream_ordering INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX room_members_by_membership ON room_members (membership);

-- Which events a redaction event redacts; readers redact what they serve (the stored PDU stays as signed).
-- Spec: https://spec.matrix.org/latest/client-server-api/#redactions
CREATE TABLE redactions (
	redacts TEXT NOT NULL,
	event_id TEXT NOT NULL REFERENCES events (event_id),
	PRIMARY KEY (redacts, event_id)
) WITHOUT ROWID;
`,
	},
	{
		name: "ephemeral stream",
		sql: `
-- The room's ephemeral position: every receipt and every typing change takes the next one, so a UserDO
-- knows which typing/receipt updates its client has seen. Spec: https://spec.matrix.org/latest/client-server-api/#receipts
CREATE TABLE ephemeral_stream (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	position INTEGER NOT NULL
);
INSERT INTO ephemeral_stream (singleton, position) VALUES (1, 0);
CREATE INDEX receipts_by_position ON receipts (stream_position);
`,
	},
	{
		name: "read indexes",
		sql: `
-- Relations and threads are found by what an event's content points at (read-store.ts queries these exact
-- expressions). The relation is left unencrypted in m.room.encrypted events for this purpose.
-- Spec: https://spec.matrix.org/latest/client-server-api/#forming-relationships-between-events
CREATE INDEX events_relates_to ON events (json_extract(pdu, '$.content."m.relates_to".event_id'), stream_ordering)
	WHERE json_extract(pdu, '$.content."m.relates_to".event_id') IS NOT NULL;
CREATE INDEX events_rel_type ON events (json_extract(pdu, '$.content."m.relates_to".rel_type'), stream_ordering)
	WHERE json_extract(pdu, '$.content."m.relates_to".rel_type') IS NOT NULL;
-- unsigned.transaction_id: the txn that produced an event, for events a client sent with one.
CREATE INDEX local_txns_by_event ON local_txns (event_id);
`,
	},
	{
		name: "event index cursor",
		sql: `
-- How far this room's events (by rowid, outliers included) have been copied into D1 event_rooms, the
-- event → room index that GET /federation/v1/event needs (room/event-index.ts).
CREATE TABLE event_index_cursor (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	last_rowid INTEGER NOT NULL
);
INSERT INTO event_index_cursor (singleton, last_rowid) VALUES (1, 0);
`,
	},
	{
		name: "export sender index",
		sql: `
-- The lawful-access export's envelope scan (export-projection.ts exportEnvelopes): the target's timeline events
-- in stream order, as an index range scan instead of a scan of every event. The time window is checked on the
-- index entry, so rows outside it are never read.
CREATE INDEX events_export_by_sender ON events (sender, stream_ordering, origin_server_ts)
	WHERE stream_ordering IS NOT NULL AND rejected = 0;
`,
	},
	{
		name: "remote member index log",
		sql: `
-- Users whose membership changed and is not yet copied into D1 remote_room_members (room/remote-member-index.ts):
-- written in the same transaction as room_members, deleted only after D1 accepted the copy. Seeded with every
-- member, so a room that existed before the index fills it on its first drain after waking.
CREATE TABLE remote_member_changes (
	seq INTEGER PRIMARY KEY,
	user_id TEXT NOT NULL
);
INSERT INTO remote_member_changes (user_id) SELECT user_id FROM room_members ORDER BY user_id;
`,
	},
	{
		name: "joined via",
		sql: `
-- The resident server a remote join went through (the first server asked for older events: it surely
-- holds the room's history) and the join event (send_join's state sits just before it in the timeline
-- until the first backfill moves that state into history). Backfilled events take stream orderings below
-- every earlier one (zero and negative), so they read before the join and never count as new to /sync.
-- Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events
CREATE TABLE joined_via (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	server_name TEXT NOT NULL,
	join_event_id TEXT NOT NULL
);
`,
	},
	{
		name: "no edge target index",
		sql: `
-- Nothing looks edges up by target: every read walks them from their event (the primary key; backfill-store.ts
-- too). The index still cost each event one randomly placed page per prev and auth edge, about five of the
-- ~21 pages a message send wrote.
DROP INDEX IF EXISTS event_edges_by_target;
`,
	},
];
