// One step of production: read the next page of the current plan unit, validate every record against its
// schema, write the page to R2 as a part object, then commit the part and the new cursor together in D1.
// A crash before the commit leaves an unreferenced object and the old cursor: the page is read again, once.
// Design: /work/shared/LAWFUL_ACCESS.md#package; issue 5 "survives a restart mid-way without duplicating or losing".

import { collectPage } from "../collect/registry";
import { checkRecord } from "../package/records-schema";
import { commitPage, inputOf, type JobPosition, type JobRow } from "./store";

/** Records per page (and so per part object): bounds memory per step. */
export const PAGE_RECORDS = 10_000;

export function partPrefix(orderId: string): string {
	return `lawful/jobs/${orderId}/parts/`;
}

/** A page read and written to R2, not yet committed. */
export interface PreparedPage {
	from: JobPosition;
	to: JobPosition;
	part: { ldid: string; recordSet: string; r2Key: string; records: number; bytes: number } | null;
}

export function positionOf(job: JobRow): JobPosition {
	return { unit: job.unit, cursor: job.cursor, nextPart: job.next_part };
}

/** Reads and stores the next page; null when every unit is done. `nonce` makes the part key unique per attempt. */
export async function preparePage(env: Env, job: JobRow, nonce: string, pageRecords: number = PAGE_RECORDS): Promise<PreparedPage | null> {
	const input = inputOf(job);
	const unit = input.plan.units[job.unit];
	if (unit === undefined) return null;
	const from = positionOf(job);
	const ctx = { env, ldid: unit.ldid, userId: unit.userId, window: unit.window, matches: unit.matches ?? [] };
	const page = await collectPage(unit.set, ctx, unit.deviceId, job.cursor, pageRecords);
	const hasRecords = page.records.length > 0;
	const to: JobPosition =
		page.next === null
			? { unit: job.unit + 1, cursor: null, nextPart: job.next_part + (hasRecords ? 1 : 0) }
			: { unit: job.unit, cursor: page.next, nextPart: job.next_part + (hasRecords ? 1 : 0) };
	if (!hasRecords) return { from, to, part: null };
	const text = page.records.map((r) => `${JSON.stringify(checkRecord(unit.set, r))}\n`).join("");
	const r2Key = `${partPrefix(input.orderId)}${String(job.next_part).padStart(8, "0")}-${nonce}.ndjson`;
	const body = new TextEncoder().encode(text);
	await env.EVIDENCE.put(r2Key, body);
	return { from, to, part: { ldid: unit.ldid, recordSet: unit.set, r2Key, records: page.records.length, bytes: body.length } };
}

/** Commits a prepared page; if another runner got there first, its object is removed and false returned. */
export async function commitPrepared(env: Env, orderId: string, prepared: PreparedPage, nowTs: number): Promise<boolean> {
	const ok = await commitPage(env.DB, orderId, prepared.from, prepared.to, prepared.part, nowTs);
	if (!ok && prepared.part !== null) await env.EVIDENCE.delete(prepared.part.r2Key);
	return ok;
}
