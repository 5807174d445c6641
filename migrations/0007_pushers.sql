-- Migration number: 0007 	 pushers
-- Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3pushersset
-- One row per (app_id, pushkey, user). In D1 rather than the UserDO because /pushers/set without
-- `append` "must remove any other pushers with the same App ID and pushkey for different users", a
-- question across users. pusher_json is what GET /pushers lists; device_id is the session that set it.
CREATE TABLE IF NOT EXISTS pushers (
  app_id TEXT NOT NULL,
  pushkey TEXT NOT NULL,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  pusher_json TEXT NOT NULL,
  device_id TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (app_id, pushkey, user_id)
);
CREATE INDEX IF NOT EXISTS pushers_by_user ON pushers (user_id);
