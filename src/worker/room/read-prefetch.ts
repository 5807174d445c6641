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

/** A group of the walked chains (type null) or one of its entries for a wanted key. */
type ChainRow = {
	group_id: number;
	prev: number | null;
	type: string | null;
	state_key: string | null;
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

/**
 * Answers many stateAt questions with one query: the groups of all their delta chains (each walked once,
 * however many roots share it) with their entries for the wanted keys; each answer is then the entry
 * nearest its group along the chain, as stateAt finds it.
 */
function prefetchStateAt(sql: SqlStorage, wants: Want[]): void {
	const groups = [...new Set(wants.map((w) => w.group))];
	const keys = [...new Map(wants.map((w) => [`${w.type}\u0000${w.stateKey}`, [w.type, w.stateKey]])).values()];
	const prev = new Map<number, number | null>();
	const entries = new Map<string, ChainRow>();
	for (const row of sql.exec<ChainRow>(
		`WITH RECURSIVE up(id) AS (
			SELECT value FROM json_each(?)
			UNION SELECT g.prev_group FROM up JOIN state_groups g ON g.id = up.id WHERE g.prev_group IS NOT NULL
		)
		SELECT g.id AS group_id, g.prev_group AS prev, NULL AS type, NULL AS state_key, NULL AS event_id, 0 AS stored,
			NULL AS hv, NULL AS membership, NULL AS content
		FROM up JOIN state_groups g ON g.id = up.id
		UNION ALL
		SELECT e.group_id, NULL, e.type, e.state_key, e.event_id, ev.event_id IS NOT NULL,
			CASE WHEN e.type = 'm.room.history_visibility' THEN json_extract(ev.pdu, '${HISTORY_VISIBILITY}') END,
			CASE WHEN e.type = 'm.room.member' THEN json_extract(ev.pdu, '${MEMBERSHIP}') END,
			json_extract(ev.pdu, '${CONTENT}')
		FROM up JOIN state_group_entries e ON e.group_id = up.id LEFT JOIN events ev ON ev.event_id = e.event_id
		WHERE (e.type, e.state_key) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`,
		JSON.stringify(groups),
		JSON.stringify(keys),
	)) {
		if (row.type === null) prev.set(row.group_id, row.prev);
		else entries.set(`${row.group_id}\u0000${row.type}\u0000${row.state_key}`, row);
	}
	for (const w of wants) {
		let row: ChainRow | undefined;
		for (let g: number | null | undefined = w.group; row === undefined && g !== null && g !== undefined; g = prev.get(g)) {
			row = entries.get(`${g}\u0000${w.type}\u0000${w.stateKey}`);
		}
		// As stateAt: a state event not stored yet (federation may fetch it later) is left to ask again.
		if (row !== undefined && row.event_id !== null && row.stored !== 1) continue;
		const hit: StateAtHit = row === undefined || row.event_id === null ? null : { event_id: row.event_id, value: extractedText(row[COLUMN[w.field]!]) };
		rememberStateAt(sql, w.group, w.type, w.stateKey, w.field, hit);
	}
}
