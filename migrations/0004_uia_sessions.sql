-- User-Interactive Authentication sessions: which stages a client has completed for one API call.
-- Spec: https://spec.matrix.org/latest/client-server-api/#user-interactive-authentication-api
-- In D1, not a UserDO: registration has no user yet, and a session must survive isolate restarts.
-- action binds the session to one request (method and path), user_id to one caller (NULL for /register).
-- registration_token is the token this session holds a `pending` use of (token-authenticated registration).
CREATE TABLE uia_sessions (
	session_id TEXT PRIMARY KEY,
	action TEXT NOT NULL,
	user_id TEXT,
	completed TEXT NOT NULL DEFAULT '[]',
	registration_token TEXT,
	created_ts INTEGER NOT NULL
);
CREATE INDEX uia_sessions_by_age ON uia_sessions (created_ts);
