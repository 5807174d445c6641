// The RoomDO's read-only SQL for what clients may read: timeline ranges, state lookups at an event,
// a user's membership history, redactions, txn IDs, relations. Writes live in store.ts / write-store.ts.
// Spec: https://spec.matrix.org/latest/client-server-api/#room-events

/** One timeline event as the read path needs it. */
export type EventRow = {
	event_id: string;
	stream_ordering: number;
	type: string;
	state_key: string | null;
	sender: string;
	origin_server_ts: number;
	pdu: string;
};

const EVENT_COLUMNS = "event_id, stream_ordering, type, state_key, sender, origin_server_ts, pdu";
/** Rejected and soft-failed events are never served to clients; outliers are not in the timeline. */
const SERVABLE = "stream_ordering IS NOT NULL AND rejected = 0 AND soft_failed = 0";

export type Direction = "b" | "f";

export type StateAtHit = { event_id: string; value: string | null } | null;
/** Beyond this many entries a room's cache drops its oldest ones. */
const STATE_AT_CACHE_LIMIT = 20_000;
/**
 * stateAt answers per room (keyed by the DO's SqlStorage, so they live as long as the object). A state
 * group never changes once written and a stored PDU never changes, so an answer stays true; /sync and
 * visibility checks ask the same groups again and again, and each answer is a recursive query.
 */
const stateAtCaches = new WeakMap<SqlStorage, Map<string, StateAtHit>>();

function stateAtCache(sql: SqlStorage): Map<string, StateAtHit> {
	let cache = stateAtCaches.get(sql);
	if (cache === undefined) {
		cache = new Map();
		stateAtCaches.set(sql, cache);
	}
	return cache;
}

function stateAtKey(groupId: number, type: string, stateKey: string, contentField: string): string {
	return `${groupId}\u0000${type}\u0000${stateKey}\u0000${contentField}`;
}

/** Whether stateAt's answer for this key is remembered already. */
export function stateAtKnown(sql: SqlStorage, groupId: number, type: string, stateKey: string, contentField: string): boolean {
	return stateAtCache(sql).has(stateAtKey(groupId, type, stateKey, contentField));
}

/**
 * Remembers an answer stateAt would give (read-prefetch.ts finds many in one query). The caller passes
 * only answers that cannot change: the key is absent or removed, or its event is stored.
 */
export function rememberStateAt(sql: SqlStorage, groupId: number, type: string, stateKey: string, contentField: string, hit: StateAtHit): void {
	const cache = stateAtCache(sql);
	const key = stateAtKey(groupId, type, stateKey, contentField);
	if (cache.size >= STATE_AT_CACHE_LIMIT) cache.delete(cache.keys().next().value ?? key);
	cache.set(key, hit);
}

/** A json_extract result as stateAt reports it: text, or null. */
export function extractedText(value: unknown): string | null {
	return typeof value === "string" ? value : value === null || value === undefined ? null : String(value);
}

/** Just the EventRow columns of a row that carried more. */
function eventRow(row: EventRow): EventRow {
	return {
		event_id: row.event_id,
		stream_ordering: row.stream_ordering,
		type: row.type,
		state_key: row.state_key,
		sender: row.sender,
		origin_server_ts: row.origin_server_ts,
		pdu: row.pdu,
	};
}

export type EventState = { state_before: number; state_after: number };

export class ReadStore {
	/** event_state rows this read looked up (or prefetched): an event's states never change once written. */
	private readonly states = new Map<string, EventState | null>();
	/** Txn IDs prefetched for one device: event ID → txn ID (null: none), under `${user}\u0000${device}`. */
	private readonly txns = new Map<string, Map<string, string | null>>();

	constructor(private readonly sql: SqlStorage) {}

	/** The state groups before and after an event, or null for an event without recorded state. */
	eventState(eventId: string): EventState | null {
		let state = this.states.get(eventId);
		if (state === undefined) {
			state = this.sql.exec<EventState>("SELECT state_before, state_after FROM event_state WHERE event_id = ?", eventId).toArray()[0] ?? null;
			this.states.set(eventId, state);
		}
		return state;
	}

	/** Looks up many events' states in one query (a scan batch), for eventState to answer from memory. */
	prefetchEventStates(eventIds: readonly string[]): void {
		const wanted = eventIds.filter((id) => !this.states.has(id));
		if (wanted.length === 0) return;
		for (const id of wanted) this.states.set(id, null);
		for (const row of this.sql.exec<EventState & { event_id: string }>(
			"SELECT event_id, state_before, state_after FROM event_state WHERE event_id IN (SELECT value FROM json_each(?))",
			JSON.stringify(wanted),
		)) {
			this.states.set(row.event_id, { state_before: row.state_before, state_after: row.state_after });
		}
	}

	/** Looks up one device's txn IDs for many events in one query, for txnOf to answer from memory. */
	prefetchTxns(eventIds: readonly string[], userId: string, deviceId: string): void {
		const key = `${userId}\u0000${deviceId}`;
		let known = this.txns.get(key);
		if (known === undefined) this.txns.set(key, (known = new Map()));
		const wanted = eventIds.filter((id) => !known.has(id));
		if (wanted.length === 0) return;
		for (const id of wanted) known.set(id, null);
		for (const row of this.sql.exec<{ event_id: string; txn_id: string }>(
			"SELECT event_id, txn_id FROM local_txns WHERE user_id = ? AND device_id = ? AND event_id IN (SELECT value FROM json_each(?))",
			userId,
			deviceId,
			JSON.stringify(wanted),
		)) {
			if (known.get(row.event_id) === null) known.set(row.event_id, row.txn_id);
		}
	}

	/** A servable timeline event by ID, or null. */
	event(eventId: string): EventRow | null {
		return this.sql.exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ? AND ${SERVABLE}`, eventId).toArray()[0] ?? null;
	}

	/** Servable timeline events by ID, in one query (a state section names many). */
	events(eventIds: readonly string[]): Map<string, EventRow> {
		const out = new Map<string, EventRow>();
		if (eventIds.length === 0) return out;
		for (const row of this.sql.exec<EventRow>(
			`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?)) AND ${SERVABLE}`,
			JSON.stringify(eventIds),
		)) {
			out.set(row.event_id, row);
		}
		return out;
	}

	/** Any stored event (even rejected or an outlier): state may point at events outside the timeline. */
	anyEvent(eventId: string): { event_id: string; type: string; state_key: string | null; sender: string; pdu: string } | null {
		return (
			this.sql
				.exec<{ event_id: string; type: string; state_key: string | null; sender: string; pdu: string }>(
					"SELECT event_id, type, state_key, sender, pdu FROM events WHERE event_id = ?",
					eventId,
				)
				.toArray()[0] ?? null
		);
	}

	/** The event at one stream position (servable or not), to find the state at that position. */
	eventIdAt(position: number): string | null {
		return this.sql.exec<{ event_id: string }>("SELECT event_id FROM events WHERE stream_ordering = ?", position).toArray()[0]?.event_id ?? null;
	}

	/** The gap before the oldest timeline event (backfilled history may lie below zero), at most 0. */
	floor(): number {
		const lowest = this.sql.exec<{ m: number | null }>("SELECT MIN(stream_ordering) AS m FROM events").one().m;
		return Math.min(lowest ?? 1, 1) - 1;
	}

	/**
	 * Timeline events with `low < stream_ordering <= high`, oldest first for "f", newest first for "b",
	 * at most `limit` of them.
	 */
	range(low: number, high: number, dir: Direction, limit: number): EventRow[] {
		const order = dir === "f" ? "ASC" : "DESC";
		return this.sql
			.exec<EventRow>(
				`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_ordering > ? AND stream_ordering <= ? AND rejected = 0 AND soft_failed = 0
				ORDER BY stream_ordering ${order} LIMIT ?`,
				low,
				high,
				limit,
			)
			.toArray();
	}

	/**
	 * The event ID for (type, state_key) in a state group, following the delta chain to the nearest entry,
	 * together with one JSON field of its content. Null when the key is absent from the state.
	 */
	stateAt(groupId: number, type: string, stateKey: string, contentField = "$.content"): { event_id: string; value: string | null } | null {
		const cached = stateAtCache(this.sql).get(stateAtKey(groupId, type, stateKey, contentField));
		if (cached !== undefined) return cached === null ? null : { ...cached };
		const row = this.sql
			.exec<{ event_id: string | null; value: string | null; stored: number }>(
				`WITH RECURSIVE chain(id, prev, n) AS (
					SELECT id, prev_group, 0 FROM state_groups WHERE id = ?
					UNION ALL SELECT g.id, g.prev_group, c.n + 1 FROM state_groups g JOIN chain c ON g.id = c.prev
				)
				SELECT e.event_id AS event_id, json_extract(ev.pdu, ?) AS value, ev.event_id IS NOT NULL AS stored
				FROM chain c JOIN state_group_entries e ON e.group_id = c.id LEFT JOIN events ev ON ev.event_id = e.event_id
				WHERE e.type = ? AND e.state_key = ? ORDER BY c.n LIMIT 1`,
				groupId,
				contentField,
				type,
				stateKey,
			)
			.toArray()[0];
		const hit: StateAtHit = row === undefined || row.event_id === null ? null : { event_id: row.event_id, value: extractedText(row.value) };
		// A state event not stored yet (federation may fetch it later) would change `value`: not cached.
		if (row === undefined || row.stored === 1 || row.event_id === null) rememberStateAt(this.sql, groupId, type, stateKey, contentField, hit);
		return hit === null ? null : { ...hit };
	}

	/** The user's member events in the timeline, oldest first, with the membership each set. */
	membershipChanges(userId: string): { position: number; membership: string | null; event_id: string }[] {
		return this.sql
			.exec<{ position: number; membership: string | null; event_id: string }>(
				`SELECT stream_ordering AS position, json_extract(pdu, '$.content.membership') AS membership, event_id FROM events
				WHERE type = 'm.room.member' AND state_key = ? AND stream_ordering IS NOT NULL AND rejected = 0
				ORDER BY stream_ordering`,
				userId,
			)
			.toArray();
	}

	/** The user's membership row in current state (written with current_state by the write path). */
	currentMember(userId: string): { membership: string; event_id: string; stream_ordering: number } | null {
		return (
			this.sql
				.exec<{ membership: string; event_id: string; stream_ordering: number }>(
					"SELECT membership, event_id, stream_ordering FROM room_members WHERE user_id = ?",
					userId,
				)
				.toArray()[0] ?? null
		);
	}

	/** Members in current state with their membership, ordered by when it was set. */
	currentMembers(): { user_id: string; membership: string; event_id: string; stream_ordering: number }[] {
		return this.sql
			.exec<{ user_id: string; membership: string; event_id: string; stream_ordering: number }>(
				"SELECT user_id, membership, event_id, stream_ordering FROM room_members ORDER BY stream_ordering, user_id",
			)
			.toArray();
	}

	/** Set only inside withoutRedactions: the room has no redaction at all. */
	private redactionFree = false;

	/**
	 * Runs a synchronous read in which redactionOf asks nothing when the room has no redaction at all (one
	 * query instead of one or two per event served). Synchronous, so no redaction can arrive meanwhile.
	 */
	withoutRedactions<T>(read: () => T): T {
		const outer = this.redactionFree;
		this.redactionFree = this.sql.exec("SELECT 1 FROM redactions LIMIT 1").toArray().length === 0;
		try {
			return read();
		} finally {
			this.redactionFree = outer;
		}
	}

	/** Redactions this read prefetched: event ID → its first valid redaction (null: none). */
	private readonly redactions = new Map<string, EventRow | null>();

	/** Looks up many events' redactions in one query, for redactionOf to answer from memory. */
	prefetchRedactions(eventIds: readonly string[]): void {
		if (this.redactionFree) return;
		const wanted = eventIds.filter((id) => !this.redactions.has(id));
		if (wanted.length === 0) return;
		for (const id of wanted) this.redactions.set(id, null);
		for (const row of this.sql.exec<EventRow & { target: string }>(
			`SELECT r.redacts AS target, ${EVENT_COLUMNS.split(", ").map((c) => `e.${c}`).join(", ")} FROM redactions r JOIN events e ON e.event_id = r.event_id
			WHERE r.redacts IN (SELECT value FROM json_each(?)) AND e.rejected = 0 AND e.soft_failed = 0 ORDER BY e.stream_ordering`,
			JSON.stringify(wanted),
		)) {
			// Oldest first, as redactionOf's ORDER BY ... LIMIT 1.
			if (this.redactions.get(row.target) === null) this.redactions.set(row.target, eventRow(row));
		}
	}

	/** The first valid redaction of an event, or null. */
	redactionOf(eventId: string): EventRow | null {
		if (this.redactionFree) return null;
		const known = this.redactions.get(eventId);
		if (known !== undefined) return known;
		return (
			this.sql
				.exec<EventRow>(
					`SELECT ${EVENT_COLUMNS.split(", ").map((c) => `e.${c}`).join(", ")} FROM redactions r JOIN events e ON e.event_id = r.event_id
					WHERE r.redacts = ? AND e.rejected = 0 AND e.soft_failed = 0 ORDER BY e.stream_ordering LIMIT 1`,
					eventId,
				)
				.toArray()[0] ?? null
		);
	}

	/** The txn ID a user's device sent an event with, if any. */
	txnOf(eventId: string, userId: string, deviceId: string): string | null {
		const known = this.txns.get(`${userId}\u0000${deviceId}`)?.get(eventId);
		if (known !== undefined) return known;
		return (
			this.sql
				.exec<{ txn_id: string }>(
					"SELECT txn_id FROM local_txns WHERE user_id = ? AND device_id = ? AND event_id = ? LIMIT 1",
					userId,
					deviceId,
					eventId,
				)
				.toArray()[0]?.txn_id ?? null
		);
	}

	/**
	 * Events relating to `parent` (content `m.relates_to.event_id`), optionally of one rel_type and event
	 * type, with `low < stream_ordering <= high` in the given direction.
	 */
	relations(parent: string, relType: string | null, eventType: string | null, low: number, high: number, dir: Direction, limit: number): EventRow[] {
		const order = dir === "f" ? "ASC" : "DESC";
		return this.sql
			.exec<EventRow>(
				`SELECT ${EVENT_COLUMNS} FROM events
				WHERE json_extract(pdu, '$.content."m.relates_to".event_id') = ?
					AND (? IS NULL OR json_extract(pdu, '$.content."m.relates_to".rel_type') = ?)
					AND (? IS NULL OR type = ?)
					AND stream_ordering > ? AND stream_ordering <= ? AND rejected = 0 AND soft_failed = 0
				ORDER BY stream_ordering ${order} LIMIT ?`,
				parent,
				relType,
				relType,
				eventType,
				eventType,
				low,
				high,
				limit,
			)
			.toArray();
	}

	/** Relations this read prefetched: parent event ID → servable relating events with their rel_type, oldest first. */
	private readonly related = new Map<string, { row: EventRow; relType: unknown }[]>();

	/** Looks up the events relating to many parents in one query, for relatedBy; returns the events found. */
	prefetchRelations(parents: readonly string[]): EventRow[] {
		const wanted = parents.filter((id) => !this.related.has(id));
		if (wanted.length === 0) return [];
		for (const id of wanted) this.related.set(id, []);
		const found: EventRow[] = [];
		for (const row of this.sql.exec<EventRow & { parent: string; rel_type: SqlStorageValue }>(
			`SELECT ${EVENT_COLUMNS}, json_extract(pdu, '$.content."m.relates_to".event_id') AS parent,
				json_extract(pdu, '$.content."m.relates_to".rel_type') AS rel_type FROM events
			WHERE json_extract(pdu, '$.content."m.relates_to".event_id') IN (SELECT value FROM json_each(?)) AND ${SERVABLE}
			ORDER BY stream_ordering`,
			JSON.stringify(wanted),
		)) {
			const event = eventRow(row);
			this.related.get(row.parent)?.push({ row: event, relType: row.rel_type });
			found.push(event);
		}
		return found;
	}

	/** Every servable event relating to `parent` with one rel_type, oldest first. */
	relatedBy(parent: string, relType: string): EventRow[] {
		const known = this.related.get(parent);
		if (known !== undefined) return known.filter((r) => r.relType === relType).map((r) => r.row);
		return this.sql
			.exec<EventRow>(
				`SELECT ${EVENT_COLUMNS} FROM events
				WHERE json_extract(pdu, '$.content."m.relates_to".event_id') = ? AND json_extract(pdu, '$.content."m.relates_to".rel_type') = ?
					AND ${SERVABLE} ORDER BY stream_ordering`,
				parent,
				relType,
			)
			.toArray();
	}

	/** The current state event ID for (type, state_key), or null. */
	currentStateId(type: string, stateKey: string): string | null {
		return this.sql.exec<{ event_id: string }>("SELECT event_id FROM current_state WHERE type = ? AND state_key = ?", type, stateKey).toArray()[0]?.event_id ?? null;
	}

	/** Thread roots (events some m.thread relation points at) by latest reply, newest first, below `high`. */
	threadRoots(high: number, limit: number): { root: string; latest: number }[] {
		return this.sql
			.exec<{ root: string; latest: number }>(
				`SELECT json_extract(pdu, '$.content."m.relates_to".event_id') AS root, MAX(stream_ordering) AS latest FROM events
				WHERE json_extract(pdu, '$.content."m.relates_to".rel_type') = 'm.thread' AND stream_ordering IS NOT NULL
					AND rejected = 0 AND soft_failed = 0
				GROUP BY root HAVING latest <= ? ORDER BY latest DESC LIMIT ?`,
				high,
				limit,
			)
			.toArray();
	}

	/** The event closest to `ts` in one direction (at or after for "f", at or before for "b"), by server time. */
	closestByTs(ts: number, dir: Direction, skip: number, limit: number): EventRow[] {
		const sql =
			dir === "f"
				? `SELECT ${EVENT_COLUMNS} FROM events WHERE origin_server_ts >= ? AND ${SERVABLE} ORDER BY origin_server_ts ASC, stream_ordering ASC LIMIT ? OFFSET ?`
				: `SELECT ${EVENT_COLUMNS} FROM events WHERE origin_server_ts <= ? AND ${SERVABLE} ORDER BY origin_server_ts DESC, stream_ordering DESC LIMIT ? OFFSET ?`;
		return this.sql.exec<EventRow>(sql, ts, limit, skip).toArray();
	}
}
