// The UserDO's SQLite schema: everything that belongs to one local user (keyed by user ID).
// Spec: https://spec.matrix.org/latest/client-server-api/ (devices, E2EE keys, account data, filters, push rules, presence).

import type { MigrationStep } from "../../platform/sqlite-migrations";

export const USER_MIGRATIONS: readonly MigrationStep[] = [
	{
		name: "initial user schema",
		sql: `
-- One row: the user this object belongs to, so results can name it without trusting the caller.
CREATE TABLE user_meta (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	user_id TEXT NOT NULL
);

CREATE TABLE devices (
	device_id TEXT PRIMARY KEY,
	display_name TEXT,
	created_ts INTEGER NOT NULL,
	last_seen_ts INTEGER,
	last_seen_ip TEXT,
	last_seen_user_agent TEXT
);

-- Only the SHA-256 of a token is kept: a leaked table grants no access. Deleting the row is logout.
CREATE TABLE access_tokens (
	token_hash TEXT PRIMARY KEY,
	device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
	created_ts INTEGER NOT NULL,
	expires_ts INTEGER
) WITHOUT ROWID;
CREATE INDEX access_tokens_by_device ON access_tokens (device_id);

-- Where and with what client each device was used. No foreign key to devices: lawful-access
-- export needs these records for the retention period even after the device is deleted.
-- Unknown IP or user agent is '' so the key stays NOT NULL.
CREATE TABLE sessions (
	device_id TEXT NOT NULL,
	ip TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	first_seen_ts INTEGER NOT NULL,
	last_seen_ts INTEGER NOT NULL,
	PRIMARY KEY (device_id, ip, user_agent)
) WITHOUT ROWID;

-- Spec: https://spec.matrix.org/latest/client-server-api/#send-to-device-messaging
-- stream_id orders one user's inbox; a device reads its rows past its sync cursor and deletes acked ones.
CREATE TABLE to_device_inbox (
	stream_id INTEGER PRIMARY KEY AUTOINCREMENT,
	device_id TEXT NOT NULL,
	sender TEXT NOT NULL,
	type TEXT NOT NULL,
	content TEXT NOT NULL,
	message_id TEXT,
	received_ts INTEGER NOT NULL
);
CREATE INDEX to_device_by_device ON to_device_inbox (device_id, stream_id);

-- Spec: https://spec.matrix.org/latest/client-server-api/#end-to-end-encryption
-- Key JSON is kept exactly as uploaded: it carries the device's own signatures.
CREATE TABLE device_keys (
	device_id TEXT PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
	key_json TEXT NOT NULL,
	updated_ts INTEGER NOT NULL
);

-- Claiming deletes the row in the same statement that reads it (DELETE ... RETURNING), so no key is handed out twice.
CREATE TABLE one_time_keys (
	device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
	algorithm TEXT NOT NULL,
	key_id TEXT NOT NULL,
	key_json TEXT NOT NULL,
	PRIMARY KEY (device_id, algorithm, key_id)
) WITHOUT ROWID;

CREATE TABLE fallback_keys (
	device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
	algorithm TEXT NOT NULL,
	key_id TEXT NOT NULL,
	key_json TEXT NOT NULL,
	used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
	PRIMARY KEY (device_id, algorithm)
) WITHOUT ROWID;

CREATE TABLE cross_signing_keys (
	key_type TEXT PRIMARY KEY CHECK (key_type IN ('master', 'self_signing', 'user_signing')),
	key_json TEXT NOT NULL,
	updated_ts INTEGER NOT NULL
);

-- Signatures this user made with one of their keys over a device or another user's master key.
CREATE TABLE key_signatures (
	signing_key_id TEXT NOT NULL,
	target_user_id TEXT NOT NULL,
	target_key_id TEXT NOT NULL,
	signature TEXT NOT NULL,
	PRIMARY KEY (signing_key_id, target_user_id, target_key_id)
) WITHOUT ROWID;

-- Spec: https://spec.matrix.org/latest/client-server-api/#server-side-key-backups
CREATE TABLE key_backup_versions (
	version INTEGER PRIMARY KEY AUTOINCREMENT,
	algorithm TEXT NOT NULL,
	auth_data TEXT NOT NULL,
	etag INTEGER NOT NULL DEFAULT 0,
	deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE TABLE key_backup_keys (
	version INTEGER NOT NULL REFERENCES key_backup_versions (version),
	room_id TEXT NOT NULL,
	session_id TEXT NOT NULL,
	first_message_index INTEGER NOT NULL,
	forwarded_count INTEGER NOT NULL,
	is_verified INTEGER NOT NULL CHECK (is_verified IN (0, 1)),
	session_data TEXT NOT NULL,
	PRIMARY KEY (version, room_id, session_id)
) WITHOUT ROWID;

-- room_id '' is global account data. stream_id lets /sync return only what changed.
CREATE TABLE account_data (
	room_id TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	content TEXT NOT NULL,
	stream_id INTEGER NOT NULL,
	PRIMARY KEY (room_id, type)
) WITHOUT ROWID;

CREATE TABLE filters (
	filter_id INTEGER PRIMARY KEY AUTOINCREMENT,
	filter_json TEXT NOT NULL
);

-- The last position each device's /sync has acknowledged, per stream (to-device, account data, ...).
CREATE TABLE sync_cursors (
	device_id TEXT NOT NULL,
	stream TEXT NOT NULL,
	position INTEGER NOT NULL,
	PRIMARY KEY (device_id, stream)
) WITHOUT ROWID;

-- Users (this one included) whose device lists changed, or who stopped sharing a room: /sync's device_lists.
CREATE TABLE device_list_changes (
	stream_id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id TEXT NOT NULL,
	change TEXT NOT NULL CHECK (change IN ('changed', 'left')),
	ts INTEGER NOT NULL
);

-- Only the user's own rules and overrides of server defaults; the defaults live in code.
CREATE TABLE push_rules (
	kind TEXT NOT NULL CHECK (kind IN ('override', 'content', 'room', 'sender', 'underride')),
	rule_id TEXT NOT NULL,
	priority INTEGER NOT NULL,
	rule_json TEXT NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	PRIMARY KEY (kind, rule_id)
) WITHOUT ROWID;

CREATE TABLE presence (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	state TEXT NOT NULL CHECK (state IN ('online', 'offline', 'unavailable')),
	status_msg TEXT,
	last_active_ts INTEGER NOT NULL,
	stream_id INTEGER NOT NULL
);
`,
	},
	{
		name: "e2ee: to-device txn dedupe and per-recipient message IDs",
		sql: `
-- Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid
-- A sender's completed (device, txnId): a retried PUT is answered without delivering again.
CREATE TABLE to_device_txns (
	device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
	txn_id TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	PRIMARY KEY (device_id, txn_id)
) WITHOUT ROWID;
-- A retry after a partial failure must not queue a message twice for a recipient that already has it.
CREATE UNIQUE INDEX to_device_by_message ON to_device_inbox (device_id, message_id) WHERE message_id IS NOT NULL;
`,
	},
	{
		name: "e2ee: one-time keys remember their upload order",
		sql: `
-- Spec (MSC4225): claims should hand out one-time keys in the order they were uploaded, oldest first.
ALTER TABLE one_time_keys ADD COLUMN upload_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX one_time_keys_by_age ON one_time_keys (device_id, algorithm, upload_seq);
`,
	},
	{
		name: "sync: the user stream, room pokes and observed memberships",
		sql: `
-- Spec: https://spec.matrix.org/latest/client-server-api/#syncing
-- The last position handed out on this user's stream: pokes, account data, receipt/typing wake-ups, presence.
CREATE TABLE user_stream (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	seq INTEGER NOT NULL
);
INSERT INTO user_stream (singleton, seq) VALUES (1, 0);

-- "Room X is at position N" (kind 'timeline': room stream; 'ephemeral': the room's receipt stream, typing).
-- A token at seq S has seen each room up to the largest position logged at or before S.
CREATE TABLE room_stream (
	seq INTEGER PRIMARY KEY,
	room_id TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('timeline', 'ephemeral')),
	position INTEGER NOT NULL
);
CREATE INDEX room_stream_by_room ON room_stream (room_id, kind, seq);

-- The user's membership in each room as sync last saw it, and the room position where it first saw it:
-- an invite already delivered must not wake a long-poll again.
CREATE TABLE sync_memberships (
	room_id TEXT PRIMARY KEY,
	membership TEXT NOT NULL,
	observed_position INTEGER NOT NULL
) WITHOUT ROWID;
`,
	},
	{
		name: "accounts: refresh tokens",
		sql: `
-- Spec: https://spec.matrix.org/latest/client-server-api/#refreshing-access-tokens
-- Only hashes, like access tokens. access_token_hash is the access token issued with this refresh token
-- (revoked when it is refreshed); previous_hash is the refresh token this one replaced, which stays usable
-- until this one is used ("The old refresh token remains valid until the new ... refresh token is used").
CREATE TABLE refresh_tokens (
	token_hash TEXT PRIMARY KEY,
	device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
	access_token_hash TEXT NOT NULL,
	previous_hash TEXT,
	created_ts INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_device ON refresh_tokens (device_id);
CREATE INDEX refresh_tokens_by_previous ON refresh_tokens (previous_hash);
`,
	},
	{
		name: "sync: presence of users sharing a room",
		sql: `
-- Spec: https://spec.matrix.org/latest/client-server-api/#presence
-- The latest m.presence of each other user who shares a room with this one, pushed by their UserDO;
-- stream_id places it on this user's stream so /sync shows each change once.
CREATE TABLE others_presence (
	user_id TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	status_msg TEXT,
	last_active_ts INTEGER NOT NULL,
	stream_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX others_presence_by_stream ON others_presence (stream_id);
`,
	},
];
