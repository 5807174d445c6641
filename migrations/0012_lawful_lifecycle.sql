-- Lawful access, lifecycle part: operator decisions, preservation holds, one-time deliveries, user
-- notices and console sessions. Design: LAWFUL_ACCESS.md "Lifecycle". Order rows and statuses live in
-- lawful_orders (0009); only src/export/lifecycle/state-machine.ts changes a status.

-- Every operator decision on an order, append-only in practice (approve, reject, narrow, emergency review).
-- scope_key names the exact scope decided on: narrowing makes earlier approvals stale.
CREATE TABLE lawful_approvals (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	order_id TEXT NOT NULL,
	operator TEXT NOT NULL,
	decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'narrow', 'review')),
	reason TEXT NOT NULL,
	scope_key TEXT NOT NULL,
	created_ts INTEGER NOT NULL
);
-- The two-person rule in the database too: one approval per operator per scope.
CREATE UNIQUE INDEX lawful_approvals_once ON lawful_approvals (order_id, operator, scope_key) WHERE decision = 'approve';
CREATE INDEX lawful_approvals_by_order ON lawful_approvals (order_id, id);

-- The current scope (targets, categories, window per task) when operators narrowed it or the emergency
-- rules clamped it; absent means the order's own scope. The producer reads exactly this.
CREATE TABLE lawful_scopes (
	order_id TEXT PRIMARY KEY,
	scope_json TEXT NOT NULL,
	scope_key TEXT NOT NULL,
	updated_ts INTEGER NOT NULL
);

-- Emergency orders: the recorded callback verification and the second operator's review deadline.
CREATE TABLE lawful_emergencies (
	order_id TEXT PRIMARY KEY,
	callback_contact TEXT NOT NULL,
	callback_note TEXT NOT NULL,
	verified_by TEXT NOT NULL,
	verified_ts INTEGER NOT NULL,
	review_due_ts INTEGER NOT NULL,
	reviewed_by TEXT,
	reviewed_ts INTEGER,
	review_outcome TEXT CHECK (review_outcome IN ('upheld', 'overturned')),
	overdue_reported_ts INTEGER
);

-- Preservation holds (LP tasks): while active, purges and deactivation erasure skip target_user.
CREATE TABLE lawful_holds (
	order_id TEXT NOT NULL,
	ldid TEXT NOT NULL,
	target_user TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	expires_ts INTEGER NOT NULL,
	renewals INTEGER NOT NULL DEFAULT 0,
	released_ts INTEGER,
	PRIMARY KEY (order_id, ldid)
);
CREATE INDEX lawful_holds_active ON lawful_holds (target_user, expires_ts) WHERE released_ts IS NULL;

-- One-time retrieval: only the SHA-256 of the token is kept. retrieved_ts set once, atomically.
CREATE TABLE lawful_deliveries (
	token_hash TEXT PRIMARY KEY,
	order_id TEXT NOT NULL UNIQUE,
	r2_key TEXT NOT NULL,
	package_sha256 TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	expires_ts INTEGER NOT NULL,
	retrieved_ts INTEGER,
	deleted_ts INTEGER,
	deleted_reason TEXT CHECK (deleted_reason IN ('retrieved', 'expired', 'cancelled'))
);
CREATE INDEX lawful_deliveries_pending ON lawful_deliveries (expires_ts) WHERE deleted_ts IS NULL;

-- Notices to targets: due_ts is when they may be sent (the NDO's until, or at once); sent_ts once sent.
CREATE TABLE lawful_notices (
	order_id TEXT NOT NULL,
	target_user TEXT NOT NULL,
	reason TEXT NOT NULL CHECK (reason IN ('disclosure', 'preservation')),
	due_ts INTEGER NOT NULL,
	sent_ts INTEGER,
	room_id TEXT,
	PRIMARY KEY (order_id, target_user, reason)
);
CREATE INDEX lawful_notices_due ON lawful_notices (due_ts) WHERE sent_ts IS NULL;

-- The one server-notices room per user, so repeated notices land in the same place.
CREATE TABLE lawful_notice_rooms (
	user_id TEXT PRIMARY KEY,
	room_id TEXT NOT NULL
);

-- Console sessions: the HttpOnly cookie holds a random token; only its hash is kept, with a CSRF secret.
CREATE TABLE lawful_console_sessions (
	session_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	csrf TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	expires_ts INTEGER NOT NULL
);

-- A signed update may extend an order's non-disclosure period; notices scheduled later honour it too.
CREATE TABLE lawful_ndo_extensions (
	order_id TEXT PRIMARY KEY,
	until_ts INTEGER NOT NULL,
	updated_ts INTEGER NOT NULL
);
