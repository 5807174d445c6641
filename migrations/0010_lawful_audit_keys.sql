-- Migration number: 0010 	 lawful access: the provider's signing keys and the authority-request nonce guard
-- Design: LAWFUL_ACCESS.md "API" (provider-keys JWKS) and "Delivery" (RFC 9421 signed requests).

-- The provider's Ed25519 signing keys, current and past. A key generated locally keeps its private JWK
-- here; a key from the LAWFUL_PROVIDER_KEY secret is recorded with private_jwk NULL, so the JWKS still
-- lists it (with its validity) after the secret is rotated. not_after NULL marks the current key.
CREATE TABLE lawful_provider_keys (
	kid TEXT PRIMARY KEY,
	public_jwk TEXT NOT NULL,
	private_jwk TEXT,
	not_before INTEGER NOT NULL,
	not_after INTEGER
);
-- At most one current key: two isolates racing through a first start agree on whichever row landed first.
CREATE UNIQUE INDEX lawful_provider_keys_one_current ON lawful_provider_keys ((not_after IS NULL)) WHERE not_after IS NULL;

-- Each RFC 9421 nonce an authority key used, kept until its signature's expiry has passed: a second
-- request with the same key and nonce is a replay.
CREATE TABLE lawful_request_nonces (
	kid TEXT NOT NULL,
	nonce TEXT NOT NULL,
	expires_ts INTEGER NOT NULL,
	PRIMARY KEY (kid, nonce)
);
CREATE INDEX lawful_request_nonces_expiry ON lawful_request_nonces (expires_ts);
