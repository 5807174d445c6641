-- sealbridge D1 schema, part 1: server-wide indexes and caches that no single Durable Object owns.
-- See ARCHITECTURE.md "Who owns which data". Lawful-access tables come in a later migration.

-- Local accounts. password_hash is a self-describing hash string (algorithm and parameters inside).
-- is_operator may use the lawful-access console; deactivated accounts keep their row so the
-- user ID is never reissued (spec: user IDs must not be reused).
CREATE TABLE accounts (
	user_id TEXT PRIMARY KEY,
	localpart TEXT UNIQUE NOT NULL,
	password_hash TEXT,
	is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	is_operator INTEGER NOT NULL DEFAULT 0 CHECK (is_operator IN (0, 1)),
	is_guest INTEGER NOT NULL DEFAULT 0 CHECK (is_guest IN (0, 1)),
	deactivated INTEGER NOT NULL DEFAULT 0 CHECK (deactivated IN (0, 1)),
	created_ts INTEGER NOT NULL
);

-- Spec: https://spec.matrix.org/latest/client-server-api/#room-aliases
CREATE TABLE room_aliases (
	alias TEXT PRIMARY KEY,
	room_id TEXT NOT NULL,
	creator TEXT NOT NULL,
	created_ts INTEGER NOT NULL
);
CREATE INDEX room_aliases_by_room ON room_aliases (room_id);

-- Spec: https://spec.matrix.org/latest/client-server-api/#listing-rooms
CREATE TABLE room_directory (
	room_id TEXT PRIMARY KEY,
	visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private'))
);

-- Spec: https://spec.matrix.org/latest/client-server-api/#user-directory
CREATE TABLE user_directory (
	user_id TEXT PRIMARY KEY,
	display_name TEXT,
	avatar_url TEXT
);

-- Which local users are in which rooms, mirrored from each RoomDO's member events: answers
-- "my rooms" and "local members of this room" without waking every room.
CREATE TABLE room_memberships (
	user_id TEXT NOT NULL,
	room_id TEXT NOT NULL,
	membership TEXT NOT NULL CHECK (membership IN ('invite', 'join', 'knock', 'leave', 'ban')),
	event_id TEXT NOT NULL,
	updated_ts INTEGER NOT NULL,
	PRIMARY KEY (user_id, room_id)
);
CREATE INDEX room_memberships_by_room ON room_memberships (room_id);

-- Metadata of locally uploaded media; the bytes live in R2 (MEDIA) under media_id.
-- uploaded_ts is NULL while an asynchronous upload (POST /media/v1/create) awaits its bytes.
-- Spec: https://spec.matrix.org/latest/client-server-api/#content-repository
CREATE TABLE media (
	media_id TEXT PRIMARY KEY,
	uploader TEXT NOT NULL,
	content_type TEXT,
	upload_name TEXT,
	size_bytes INTEGER,
	sha256 TEXT,
	created_ts INTEGER NOT NULL,
	uploaded_ts INTEGER
);
CREATE INDEX media_by_uploader ON media (uploader);

-- Verify keys of remote servers, fetched directly or via a notary.
-- Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-server-keys
CREATE TABLE remote_server_keys (
	server_name TEXT NOT NULL,
	key_id TEXT NOT NULL,
	public_key TEXT NOT NULL,
	valid_until_ts INTEGER,
	expired_ts INTEGER,
	fetched_ts INTEGER NOT NULL,
	PRIMARY KEY (server_name, key_id)
);

-- Inbound /send transactions already processed, with the response we gave, so a retried
-- transaction gets the same answer without being processed twice.
-- Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid
CREATE TABLE inbound_federation_txns (
	origin TEXT NOT NULL,
	txn_id TEXT NOT NULL,
	received_ts INTEGER NOT NULL,
	response TEXT NOT NULL,
	PRIMARY KEY (origin, txn_id)
);
CREATE INDEX inbound_federation_txns_by_age ON inbound_federation_txns (received_ts);

-- Spec: https://spec.matrix.org/latest/client-server-api/#token-authenticated-registration
-- uses_allowed NULL = unlimited; expiry_ts NULL = never.
CREATE TABLE registration_tokens (
	token TEXT PRIMARY KEY,
	uses_allowed INTEGER,
	pending INTEGER NOT NULL DEFAULT 0,
	completed INTEGER NOT NULL DEFAULT 0,
	expiry_ts INTEGER,
	created_ts INTEGER NOT NULL
);
