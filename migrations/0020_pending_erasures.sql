-- Deactivation erasure that a preservation hold suspended (LAWFUL_ACCESS.md "Preservation (LP)": a hold
-- suspends "deactivation erasure"). An account deactivated with `erase: true` gets a row here before anything
-- is erased; the row goes in the same batch as the erasure (profile fields and directory entry,
-- src/platform/deactivation-erasure.ts). While a hold names the account the row stays, and the hourly
-- lifecycle job carries the erasure out once no hold does. requested_ts: when the user asked (epoch ms).
CREATE TABLE pending_erasures (
	user_id TEXT PRIMARY KEY,
	requested_ts INTEGER NOT NULL
);
