-- Migration number: 0003 	 remote servers' self-signed key responses, kept verbatim
-- The notary (/_matrix/key/v2/query) must return a server's response exactly as that server signed it,
-- with our signature added; keeping only the extracted keys would lose it after an isolate restart.
CREATE TABLE IF NOT EXISTS remote_server_key_responses (
  server_name TEXT PRIMARY KEY,
  response_json TEXT NOT NULL,
  key_ids TEXT NOT NULL,         -- JSON array of the key IDs the response names
  valid_until_ts INTEGER NOT NULL,
  fetched_ts INTEGER NOT NULL
);
