// What reading a batch of timeline events asks per event, asked once per batch: their state groups, the
// history visibility and reader's membership around each (read-visibility.ts), the state each state event
// replaced (read-format.ts) and the reader's txn IDs. Each answer lands where the per-event lookup finds
// it (ReadStore's memos and stateAt cache), so the per-event code and its semantics stay as they are; a
// cold /sync slice goes from a few queries per event to a few per slice.
// Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility

import type { Reader } from "./read-api";
import { type EventRow, extractedText, type ReadStore, rememberStateAt, stateAtKnown, type StateAtHit } from "./read-store";

/** The fields read-visibility.ts and read-format.ts ask stateAt for, and the column holding each below. */
const HISTORY_VISIBILITY = "$.content.history_visibility";
const MEMBERSHIP = "$.content.membership";
const CONTENT = "$.content";
const COLUMN: Record<string, "hv" | "membership" | "content"> = { [HISTORY_VISIBILITY]: "hv", [MEMBERSHIP]: "membership", [CONTENT]: "content" };

type Want = { group: number; type: string; stateKey: string; field: string };

type EntryRow = {
	root: number;
	n: number;
	type: string;
	state_key: string;
	event_id: string | null;
	stored: number;
	hv: SqlStorageValue;
	membership: SqlStorageValue;
	content: SqlStorageValue;
};

/** What the caller will do with the rows: check visibility (timeline scans) and bundle relations. */
export interface PrefetchUse {
	visibility: boolean;
	bundles: boolean;
}

/**
 * Prefetches what checking and formatting `rows` for `reader` will look up, and (`bundles`) the events
 * relating to them, which read-bundle.ts checks and formats in turn (their own bundles are never served).
 */
export function prefetchRows(sql: SqlStorage, read: ReadStore, reader: Reader, rows: readonly EventRow[], use: PrefetchUse): void {
	if (rows.length === 0) return;
	const ids = rows.map((r) => r.event_id);
	read.prefetchEventStates(ids);
	read.prefetchRedactions(ids);
	// read-bundle.ts bundles relations into non-state events only.
	const parents = use.bundles ? rows.filter((r) => r.state_key === null).map((r) => r.event_id) : [];
	if (parents.length > 0) prefetchRows(sql, read, reader, read.prefetchRelations(parents), { visibility: true, bundles: false });
	if (reader.device_id !== undefined) {
		const own = rows.filter((r) => r.sender === reader.user_id).map((r) => r.event_id);
		if (own.length > 0) read.prefetchTxns(own, reader.user_id, reader.device_id);
	}
	const wants: Want[] = [];
	const want = (group: number, type: string, stateKey: string, field: string) => {
		if (!stateAtKnown(sql, group, type, stateKey, field)) wants.push({ group, type, stateKey, field });
	};
	for (const row of rows) {
		const state = read.eventState(row.event_id);
		if (state === null) continue;
		if (use.visibility) {
			for (const group of [state.state_before, state.state_after]) {
				want(group, "m.room.history_visibility", "", HISTORY_VISIBILITY);
				want(group, "m.room.member", reader.user_id, MEMBERSHIP);
			}
		}
		if (row.state_key !== null) want(state.state_before, row.type, row.state_key, CONTENT);
	}
	if (wants.length > 0) prefetchStateAt(sql, wants);
}

/** Answers many stateAt questions with one recursive query over all their groups' delta chains. */
function prefetchStateAt(sql: SqlStorage, wants: Want[]): void {
	const groups = [...new Set(wants.map((w) => w.group))];
	const keys = [...new Map(wants.map((w) => [`${w.type}\u0000${w.stateKey}`, [w.type, w.stateKey]])).values()];
	// For each (root group, key) the entry nearest the root (smallest n) is the answer, as in stateAt.
	const nearest = new Map<string, EntryRow>();
	for (const row of sql.exec<EntryRow>(
		`WITH RECURSIVE chain(root, id, prev, n) AS (
			SELECT id, id, prev_group, 0 FROM state_groups WHERE id IN (SELECT value FROM json_each(?))
			UNION ALL SELECT c.root, g.id, g.prev_group, c.n + 1 FROM state_groups g JOIN chain c ON g.id = c.prev
		), wanted(type, state_key) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
		SELECT c.root AS root, c.n AS n, e.type AS type, e.state_key AS state_key, e.event_id AS event_id,
			ev.event_id IS NOT NULL AS stored, json_extract(ev.pdu, '${HISTORY_VISIBILITY}') AS hv,
			json_extract(ev.pdu, '${MEMBERSHIP}') AS membership, json_extract(ev.pdu, '${CONTENT}') AS content
		FROM chain c JOIN wanted w JOIN state_group_entries e ON e.group_id = c.id AND e.type = w.type AND e.state_key = w.state_key
		LEFT JOIN events ev ON ev.event_id = e.event_id`,
		JSON.stringify(groups),
		JSON.stringify(keys),
	)) {
		const key = `${row.root}\u0000${row.type}\u0000${row.state_key}`;
		const best = nearest.get(key);
		if (best === undefined || row.n < best.n) nearest.set(key, row);
	}
	for (const w of wants) {
		const row = nearest.get(`${w.group}\u0000${w.type}\u0000${w.stateKey}`);
		// As stateAt: a state event not stored yet (federation may fetch it later) is left to ask again.
		if (row !== undefined && row.event_id !== null && row.stored !== 1) continue;
		const hit: StateAtHit = row === undefined || row.event_id === null ? null : { event_id: row.event_id, value: extractedText(row[COLUMN[w.field]!]) };
		rememberStateAt(sql, w.group, w.type, w.stateKey, w.field, hit);
	}
}
