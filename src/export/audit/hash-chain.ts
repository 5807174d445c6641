// The audit log's hash chain: each entry commits to the one before it, so a changed, removed or reordered
// entry breaks every hash after it. Pure: no storage, no clock.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log"; the hashing rule is in entry.ts.

import { type AuditEntry, type AuditEntryBody, computeEntryHash, jcs } from "./entry";

export { GENESIS_HASH } from "./entry";

/** A stored row: the JCS text of the entry body plus the columns that index it. */
export type AuditRow = {
	seq: number;
	prev_hash: string;
	entry_hash: string;
	ts: number;
	kind: string;
	body: string;
};

/** The parsed entry of a row (no checks; checkLink says whether it is genuine). */
export function rowToEntry(row: AuditRow): AuditEntry {
	const body = JSON.parse(row.body) as AuditEntryBody;
	return { ...body, entryHash: row.entry_hash };
}

/** Why a row does not continue the chain after `prevHash`, or null if it does. */
export async function checkLink(prevHash: string, expectedSeq: number, row: AuditRow): Promise<string | null> {
	if (row.seq !== expectedSeq) return `expected seq ${expectedSeq}, found ${row.seq}`;
	if (row.prev_hash !== prevHash) return "prevHash does not match the previous entry";
	let body: AuditEntryBody;
	try {
		body = JSON.parse(row.body) as AuditEntryBody;
	} catch {
		return "entry is not JSON";
	}
	if (typeof body !== "object" || body === null) return "entry is not an object";
	// The columns are an index over the body; they must say the same thing as what was hashed.
	if (body.seq !== row.seq || body.prevHash !== row.prev_hash || body.ts !== row.ts || body.type !== row.kind) {
		return "entry columns disagree with the entry";
	}
	if (jcs(body) !== row.body) return "entry is not in canonical form";
	return (await computeEntryHash(body)) === row.entry_hash ? null : "entryHash does not match the entry";
}

/** Verifies a whole exported chain (entries in order from seq 1): the first break, or the head. */
export async function verifyEntries(
	entries: readonly AuditEntry[],
): Promise<{ ok: true; length: number; head: string } | { ok: false; seq: number; reason: string }> {
	let prevHash = "0".repeat(64);
	for (let i = 0; i < entries.length; i++) {
		const entry = entries[i] as AuditEntry;
		const { entryHash, ...body } = entry;
		const row: AuditRow = { seq: entry.seq, prev_hash: entry.prevHash, entry_hash: entryHash, ts: entry.ts, kind: entry.type, body: jcs(body) };
		const problem = await checkLink(prevHash, i + 1, row);
		if (problem !== null) return { ok: false, seq: i + 1, reason: problem };
		prevHash = entryHash;
	}
	return { ok: true, length: entries.length, head: prevHash };
}
