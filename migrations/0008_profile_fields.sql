-- Migration number: 0008 	 profile fields of local users
-- Spec: https://spec.matrix.org/latest/client-server-api/#profiles (v1.16: any namespaced key, not only
-- displayname and avatar_url). One row per field, so concurrent PUTs of different fields cannot lose
-- each other's writes. value_json is the field's JSON value as the client sent it.
-- user_directory keeps display_name and avatar_url beside this for search.
CREATE TABLE IF NOT EXISTS profile_fields (
  user_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value_json TEXT NOT NULL,
  updated_ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, field)
);
