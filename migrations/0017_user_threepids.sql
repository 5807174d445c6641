-- Operator-managed third-party identifiers (3PIDs): e-mail addresses and phone numbers an operator has
-- verified out of band and attached to an account with `npm run admin -- add-threepid` (there is no identity
-- server and no self-service 3PID flow). GET /_matrix/client/v3/account/3pid lists them; lawful-access
-- SubscriberData includes them; InternationalizedEmailAddress / InternationalE164 targets resolve through them.
-- address is canonical: e-mail lower-cased, msisdn the E.164 digits without "+" (as Matrix writes msisdns).
-- A 3PID belongs to at most one account. Times are epoch milliseconds.
-- Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3account3pid
CREATE TABLE user_threepids (
	medium TEXT NOT NULL CHECK (medium IN ('email', 'msisdn')),
	address TEXT NOT NULL,
	user_id TEXT NOT NULL,
	added_ts INTEGER NOT NULL,
	validated_ts INTEGER NOT NULL,
	PRIMARY KEY (medium, address)
);
CREATE INDEX user_threepids_by_user ON user_threepids (user_id);
