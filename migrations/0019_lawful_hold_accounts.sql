-- Preservation holds on more than one account (LAWFUL_ACCESS.md "Preservation (LP)"): an LP task whose target
-- is an IP address (with observedTime) or an e-mail/phone 3PID holds every account the target resolves to when
-- the hold is created (a snapshot: who used the address around observedTime, who owns the 3PID then; a later
-- user of the same address is not held). lawful_holds keeps one row per LP task: the hold itself, with its
-- expiry, renewal and release, which exists whether or not the target matched anyone (existence-oracle rule:
-- renewal and closing answer the same either way). lawful_hold_accounts lists the accounts each hold names;
-- an account is held while some row names it and that row's hold is neither released nor expired.
CREATE TABLE lawful_hold_accounts (
	order_id TEXT NOT NULL,
	ldid TEXT NOT NULL,
	user_id TEXT NOT NULL,
	PRIMARY KEY (order_id, ldid, user_id)
);
CREATE INDEX lawful_hold_accounts_by_user ON lawful_hold_accounts (user_id);
INSERT INTO lawful_hold_accounts (order_id, ldid, user_id) SELECT order_id, ldid, target_user FROM lawful_holds;
DROP INDEX lawful_holds_active;
ALTER TABLE lawful_holds DROP COLUMN target_user;
CREATE INDEX lawful_holds_active ON lawful_holds (expires_ts) WHERE released_ts IS NULL;
