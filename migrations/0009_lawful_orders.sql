-- Lawful access, order/trust part: received orders, their tasks, the transaction-ID replay guard and the
-- versioned trust store. Design: LAWFUL_ACCESS.md "Order format", "Trust store", "Validation" step 5/13.
-- Only src/export/lifecycle/state-machine.ts changes lawful_orders.status after insertion.

-- An accepted order: the JWS exactly as received (evidence; also data/order.jws in the package), the JCS
-- payload, its SHA-256 (hex, over the received bytes), and the validated scope as JSON (order/types.ts).
CREATE TABLE lawful_orders (
	order_id TEXT PRIMARY KEY,
	status TEXT NOT NULL,
	order_sha256 TEXT NOT NULL UNIQUE,
	issuer TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	legal_basis TEXT NOT NULL,
	jws TEXT NOT NULL,
	canonical_payload TEXT NOT NULL,
	validated_json TEXT NOT NULL,
	received_ts INTEGER NOT NULL,
	updated_ts INTEGER NOT NULL
);
CREATE INDEX lawful_orders_by_status ON lawful_orders (status, received_ts);

-- One row per task (LDID), so collectors and holds can find tasks by target without parsing JSON.
-- target_user is the local MXID for account/device targets, NULL for e-mail, phone and IP targets.
CREATE TABLE lawful_tasks (
	order_id TEXT NOT NULL,
	ldid TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('LD', 'LP')),
	request_type TEXT NOT NULL,
	target_format TEXT NOT NULL,
	target_json TEXT NOT NULL,
	target_user TEXT,
	window_start INTEGER,
	window_end INTEGER,
	preservation_expires_ts INTEGER,
	PRIMARY KEY (order_id, ldid)
);
CREATE INDEX lawful_tasks_by_user ON lawful_tasks (target_user) WHERE target_user IS NOT NULL;

-- Step 5: a transaction identifier is single use per sender. Written in the same batch as the order.
CREATE TABLE lawful_order_replay (
	sender TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	order_id TEXT NOT NULL,
	order_sha256 TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	PRIMARY KEY (sender, transaction_id)
);

-- Operator edits of the trust store, each a full snapshot. env_sha256 is the SHA-256 of LAWFUL_TRUST_STORE
-- the edit started from: when the deployment ships a different one, that one wins (revocations stay).
CREATE TABLE lawful_trust_versions (
	version INTEGER PRIMARY KEY AUTOINCREMENT,
	store_json TEXT NOT NULL,
	store_sha256 TEXT NOT NULL,
	env_sha256 TEXT NOT NULL,
	actor TEXT NOT NULL,
	reason TEXT NOT NULL,
	created_ts INTEGER NOT NULL
);
