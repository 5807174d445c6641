-- Migration number: 0002 	 server signing keys
-- Local, development and test servers generate their Ed25519 key on first start and keep it here
-- (production takes SIGNING_KEY from a secret). Rows with expired_ts set are retired keys, published
-- as old_verify_keys. Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys
CREATE TABLE IF NOT EXISTS server_signing_keys (
  key_id TEXT PRIMARY KEY,
  -- Unpadded base64 of the 32-byte Ed25519 seed.
  seed TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  expired_ts INTEGER
);

-- At most one current key: every current row indexes the same value (1), so a second insert conflicts
-- and two isolates racing through a first start agree on whichever row landed first.
CREATE UNIQUE INDEX IF NOT EXISTS server_signing_keys_one_current
  ON server_signing_keys ((expired_ts IS NULL)) WHERE expired_ts IS NULL;
