-- Lawful access: an emergency disclosure must be followed by formal process (LAWFUL_ACCESS.md "Lifecycle",
-- Emergency). When the emergency is approved, formal_due_ts is set; a later non-emergency order from the same
-- authority under the same case reference is linked as formal_order_id; the hourly job audits (once) an
-- emergency whose formal process has not arrived by formal_due_ts. Rows from before this migration have none.
ALTER TABLE lawful_emergencies ADD COLUMN formal_due_ts INTEGER;
ALTER TABLE lawful_emergencies ADD COLUMN formal_order_id TEXT;
ALTER TABLE lawful_emergencies ADD COLUMN formal_overdue_reported_ts INTEGER;
CREATE INDEX lawful_emergencies_formal_due ON lawful_emergencies (formal_due_ts) WHERE formal_order_id IS NULL;
