// D1 access for production jobs (migrations/0011_lawful_export_jobs.sql): the job row with its position in the
// plan, and one row per committed page. A page commits with a compare-and-set on the position, so two runners
// (a redelivered queue message) or a restart cannot commit the same page twice.
// Design: /work/shared/LAWFUL_ACCESS.md#package; docs/lawful-access.md (job/).

import type { JobState, ProducedPackage, ProductionInput } from "./types";

export type JobRow = {
	order_id: string;
	state: JobState;
	input_json: string;
	unit: number;
	cursor: string | null;
	next_part: number;
	records: number;
	units_total: number;
	package_key: string | null;
	package_sha256: string | null;
	package_bytes: number | null;
	error: string | null;
};

export type PartRow = { seq: number; ldid: string; record_set: string; r2_key: string; records: number; bytes: number };

/** Where a job stands; a commit succeeds only from this exact position. */
export interface JobPosition {
	unit: number;
	cursor: string | null;
	nextPart: number;
}

/** Creates the job unless one exists for the order (starting twice is a no-op). True if created. */
export async function insertJob(db: D1Database, input: ProductionInput, nowTs: number): Promise<boolean> {
	const result = await db
		.prepare(
			`INSERT INTO lawful_jobs (order_id, state, input_json, units_total, created_ts, updated_ts) VALUES (?1, 'collecting', ?2, ?3, ?4, ?4)
			ON CONFLICT (order_id) DO NOTHING`,
		)
		.bind(input.orderId, JSON.stringify(input), input.plan.units.length, nowTs)
		.run();
	return result.meta.changes > 0;
}

export async function getJob(db: D1Database, orderId: string): Promise<JobRow | null> {
	return db.prepare("SELECT * FROM lawful_jobs WHERE order_id = ?1").bind(orderId).first<JobRow>();
}

export function inputOf(job: JobRow): ProductionInput {
	return JSON.parse(job.input_json) as ProductionInput;
}

/** The accounts the order's IP and e-mail/phone targets were resolved to when its production started. */
export async function resolvedTargetUsers(db: D1Database, orderId: string): Promise<string[]> {
	const job = await getJob(db, orderId);
	if (job === null) return [];
	return [...new Set(inputOf(job).plan.units.filter((u) => u.set === "target-matches").map((u) => u.userId))];
}

/**
 * Commits one page: its part row (if it has records) and the new position, in one transaction, only if the
 * job is still at `from`. False if another runner moved it first (this page is then discarded).
 */
export async function commitPage(
	db: D1Database,
	orderId: string,
	from: JobPosition,
	to: JobPosition,
	part: { ldid: string; recordSet: string; r2Key: string; records: number; bytes: number } | null,
	nowTs: number,
): Promise<boolean> {
	const at = "order_id = ?1 AND state = 'collecting' AND unit = ?2 AND cursor IS ?3 AND next_part = ?4";
	const statements: D1PreparedStatement[] = [];
	if (part !== null) {
		statements.push(
			db
				.prepare(
					`INSERT INTO lawful_job_parts (order_id, seq, ldid, record_set, r2_key, records, bytes)
					SELECT ?1, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS (SELECT 1 FROM lawful_jobs WHERE ${at})`,
				)
				.bind(orderId, from.unit, from.cursor, from.nextPart, part.ldid, part.recordSet, part.r2Key, part.records, part.bytes),
		);
	}
	statements.push(
		db
			.prepare(`UPDATE lawful_jobs SET unit = ?5, cursor = ?6, next_part = ?7, records = records + ?8, updated_ts = ?9 WHERE ${at}`)
			.bind(orderId, from.unit, from.cursor, from.nextPart, to.unit, to.cursor, to.nextPart, part?.records ?? 0, nowTs),
	);
	const results = await db.batch(statements);
	return (results.at(-1)?.meta.changes ?? 0) > 0;
}

export async function setState(db: D1Database, orderId: string, from: JobState, to: JobState, nowTs: number): Promise<boolean> {
	const result = await db
		.prepare("UPDATE lawful_jobs SET state = ?3, updated_ts = ?4 WHERE order_id = ?1 AND state = ?2")
		.bind(orderId, from, to, nowTs)
		.run();
	return result.meta.changes > 0;
}

export async function markDone(db: D1Database, orderId: string, pkg: ProducedPackage, nowTs: number): Promise<boolean> {
	const result = await db
		.prepare(
			`UPDATE lawful_jobs SET state = 'done', package_key = ?2, package_sha256 = ?3, package_bytes = ?4, updated_ts = ?5, completed_ts = ?5
			WHERE order_id = ?1 AND state = 'assembling'`,
		)
		.bind(orderId, pkg.key, pkg.sha256, pkg.bytes, nowTs)
		.run();
	return result.meta.changes > 0;
}

export async function markFailed(db: D1Database, orderId: string, error: string, nowTs: number): Promise<void> {
	await db
		.prepare("UPDATE lawful_jobs SET state = 'failed', error = ?2, updated_ts = ?3 WHERE order_id = ?1 AND state IN ('collecting', 'assembling')")
		.bind(orderId, error, nowTs)
		.run();
}

/** The committed parts in order. */
export async function listParts(db: D1Database, orderId: string): Promise<PartRow[]> {
	const { results } = await db
		.prepare("SELECT seq, ldid, record_set, r2_key, records, bytes FROM lawful_job_parts WHERE order_id = ?1 ORDER BY seq")
		.bind(orderId)
		.all<PartRow>();
	return results;
}
