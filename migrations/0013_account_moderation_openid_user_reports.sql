-- Account moderation flags, OpenID tokens and user reports (Client-Server endpoints added together).

-- Locked and suspended accounts: reversible, unlike `deactivated`, so tokens and devices stay.
-- Spec: https://spec.matrix.org/latest/client-server-api/#account-moderation
ALTER TABLE accounts ADD COLUMN locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1));
ALTER TABLE accounts ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1));

-- OpenID tokens handed to third parties, which exchange them over federation for the user ID. Only the
-- SHA-256 of a token is kept, like access tokens. Spec: https://spec.matrix.org/latest/client-server-api/#openid
CREATE TABLE openid_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	expires_ts INTEGER NOT NULL
);
CREATE INDEX openid_tokens_by_expiry ON openid_tokens (expires_ts);

-- Reports of users (POST /users/{userId}/report) for the server's administrators: IDs and the reason only.
-- Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3usersuseridreport
CREATE TABLE user_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	reporter TEXT NOT NULL,
	user_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	created_ts INTEGER NOT NULL
);
CREATE INDEX user_reports_by_user ON user_reports (user_id, created_ts);
