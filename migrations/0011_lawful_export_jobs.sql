-- Migration number: 0011 	 lawful-access production jobs
-- Design: LAWFUL_ACCESS.md "Package"; docs/lawful-access.md (job/). One job per order: it walks the plan
-- (plan_json: the record sets per task) page by page, writing each page as a part object in R2 (EVIDENCE),
-- then assembles the BagIt ZIP. unit/cursor/next_part say where it stands; a page's part row and the advance
-- of the cursor commit together, so a restart neither repeats nor skips a page. Only identifiers and counts
-- are kept here, never records.
CREATE TABLE IF NOT EXISTS lawful_jobs (
  order_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('collecting', 'assembling', 'done', 'failed')),
  -- The frozen scope production works from: case reference, tasks, plan and the order's exact JWS.
  input_json TEXT NOT NULL,
  unit INTEGER NOT NULL DEFAULT 0,
  cursor TEXT,
  next_part INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0,
  units_total INTEGER NOT NULL,
  package_key TEXT,
  package_sha256 TEXT,
  package_bytes INTEGER,
  error TEXT,
  created_ts INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL,
  completed_ts INTEGER
);

-- One committed page: the R2 object holding its NDJSON lines, the task and the record set (file) they belong to.
CREATE TABLE IF NOT EXISTS lawful_job_parts (
  order_id TEXT NOT NULL REFERENCES lawful_jobs (order_id),
  seq INTEGER NOT NULL,
  ldid TEXT NOT NULL,
  record_set TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  records INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (order_id, seq)
);
