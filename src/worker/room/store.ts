// All SQL of the RoomDO: events as exact PDU JSON, DAG edges, state groups, current state, extremities.
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus
// Callers wrap multi-step writes in `ctx.storage.transactionSync` (one event = one transaction).

import type { RoomEvent } from "../../protocol/events/pdu";

export interface RoomInfo {
	room_id: string;
	room_version: string;
	/** The stream_ordering of the newest timeline event (0 before the first). */
	stream_position: number;
}

/** What never changes once a room is initialised: its ID and version. */
export type RoomIdentity = Pick<RoomInfo, "room_id" | "room_version">;

export interface StateEntry {
	type: string;
	state_key: string;
	event_id: string;
}

/** (type, state_key) → event ID; a null event ID in a delta removes the key. */
export type StateDelta = Map<string, string | null>;
export type StateMap = Map<string, string>;

/** The map key of a (type, state_key) pair. NUL cannot occur in either, so the join is unambiguous. */
export function stateKeyOf(type: string, stateKey: string): string {
	return `${type}\u0000${stateKey}`;
}

function splitStateKey(key: string): [string, string] {
	const i = key.indexOf("\u0000");
	return [key.slice(0, i), key.slice(i + 1)];
}

export interface NewEvent {
	event_id: string;
	type: string;
	state_key: string | undefined;
	sender: string;
	origin_server_ts: number;
	depth: number;
	/** The exact JSON text as signed or received. */
	pdu: string;
	prev_events: readonly string[];
	auth_events: readonly string[];
	outlier: boolean;
	/** Set when the event failed auth; it is stored (others reference it) but never served as state. */
	rejection_reason: string | null;
	soft_failed: boolean;
	received_ts: number;
}

/** The row of a parsed event: its exact JSON text and the flags it is stored with. */
export function newEventOf(event: RoomEvent, pdu: string, flags: Pick<NewEvent, "outlier" | "rejection_reason" | "soft_failed" | "received_ts">): NewEvent {
	const { event_id, type, state_key, sender, origin_server_ts, depth, prev_events, auth_events } = event;
	return { event_id, type, state_key, sender, origin_server_ts, depth, pdu, prev_events, auth_events, ...flags };
}

/** Longest delta chain before a group is written as a full snapshot, bounding read cost. */
const MAX_DELTA_DEPTH = 50;

/** Takes the room's next live stream position. */
export function nextStreamPosition(sql: SqlStorage): number {
	return sql
		.exec<{ stream_position: number }>("UPDATE room_meta SET stream_position = stream_position + 1 WHERE singleton = 1 RETURNING stream_position")
		.one().stream_position;
}

/**
 * Writes an event's row at `ordering` (null: not in the timeline) and its DAG edges; answers `ordering`.
 * Local sends (RoomStore.insertEvent) and received events (federation-store.ts) differ only in the ordering.
 */
export function insertEventRow(sql: SqlStorage, ev: NewEvent, ordering: number | null): number | null {
	sql.exec(
		`INSERT INTO events (event_id, stream_ordering, depth, type, state_key, sender, origin_server_ts, pdu,
			outlier, rejected, rejection_reason, soft_failed, received_ts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.event_id,
		ordering,
		ev.depth,
		ev.type,
		ev.state_key ?? null,
		ev.sender,
		ev.origin_server_ts,
		ev.pdu,
		ev.outlier ? 1 : 0,
		ev.rejection_reason === null ? 0 : 1,
		ev.rejection_reason,
		ev.soft_failed ? 1 : 0,
		ev.received_ts,
	);
	// All edges in one statement: an event has a handful, and each statement has a fixed cost.
	const edges = [...ev.prev_events.map((id) => ["prev", id]), ...ev.auth_events.map((id) => ["auth", id])];
	if (edges.length > 0) {
		sql.exec("INSERT OR IGNORE INTO event_edges (event_id, kind, target_id) SELECT ?1, value ->> 0, value ->> 1 FROM json_each(?2)", ev.event_id, JSON.stringify(edges));
	}
	return ordering;
}

export class RoomStore {
	/** Set by the first identity() that finds the room: ID and version never change afterwards. */
	private identityMemo: RoomIdentity | null = null;

	constructor(private readonly storage: DurableObjectStorage) {}

	private get sql(): SqlStorage {
		return this.storage.sql;
	}

	getRoomInfo(): RoomInfo | null {
		const rows = this.sql
			.exec<{ room_id: string; room_version: string; stream_position: number }>(
				"SELECT room_id, room_version, stream_position FROM room_meta WHERE singleton = 1",
			)
			.toArray();
		return rows[0] ?? null;
	}

	/** The room's newest stream position (0 before the room exists). */
	streamPosition(): number {
		return this.getRoomInfo()?.stream_position ?? 0;
	}

	/**
	 * The room's ID and version, or null before the room exists: the write path and the drain need them
	 * for every event, and they never change, so only the first call reads.
	 */
	identity(): RoomIdentity | null {
		if (this.identityMemo === null) {
			const info = this.getRoomInfo();
			if (info !== null) this.identityMemo = { room_id: info.room_id, room_version: info.room_version };
		}
		return this.identityMemo;
	}

	/**
	 * Binds this object to its room. Fails (PK conflict) if the room was already initialised. Stream
	 * positions continue after `startPosition` (positions this object already gave remote invites).
	 */
	initRoom(roomId: string, roomVersion: string, nowTs: number, startPosition = 0): void {
		this.sql.exec(
			"INSERT INTO room_meta (singleton, room_id, room_version, stream_position, created_ts) VALUES (1, ?, ?, ?, ?)",
			roomId,
			roomVersion,
			startPosition,
			nowTs,
		);
	}

	getPdu(eventId: string): string | null {
		const rows = this.sql.exec<{ pdu: string }>("SELECT pdu FROM events WHERE event_id = ?", eventId).toArray();
		return rows[0]?.pdu ?? null;
	}

	hasEvent(eventId: string): boolean {
		return this.sql.exec("SELECT 1 FROM events WHERE event_id = ?", eventId).toArray().length > 0;
	}

	/**
	 * Stores an event and its DAG edges. Timeline events get the next stream ordering (returned);
	 * outliers get none (null). Must run inside a transaction with the state and extremity updates.
	 */
	insertEvent(ev: NewEvent): number | null {
		return insertEventRow(this.sql, ev, ev.outlier ? null : nextStreamPosition(this.sql));
	}

	/** The prev or auth event IDs an event references. */
	getEdges(eventId: string, kind: "prev" | "auth"): string[] {
		return this.sql
			.exec<{ target_id: string }>(
				"SELECT target_id FROM event_edges WHERE event_id = ? AND kind = ? ORDER BY target_id",
				eventId,
				kind,
			)
			.toArray()
			.map((r) => r.target_id);
	}

	/**
	 * Writes a state group as a delta on `prevGroup` (or a snapshot when there is none, or the chain
	 * would grow past MAX_DELTA_DEPTH). Returns the new group's ID.
	 */
	createStateGroup(prevGroup: number | null, delta: StateDelta): number {
		let base = prevGroup;
		let depth = 0;
		let entries: Map<string, string | null> = delta;
		if (base !== null) {
			depth = this.sql.exec<{ d: number }>("SELECT delta_depth AS d FROM state_groups WHERE id = ?", base).one().d + 1;
			if (depth > MAX_DELTA_DEPTH) {
				const full = this.getStateGroup(base);
				applyDelta(full, delta);
				entries = full;
				base = null;
				depth = 0;
			}
		} else {
			// A snapshot lists only present keys; a removal from nothing is no entry at all.
			entries = new Map([...delta].filter(([, id]) => id !== null));
		}
		const id = this.sql
			.exec<{ id: number }>("INSERT INTO state_groups (prev_group, delta_depth) VALUES (?, ?) RETURNING id", base, depth)
			.one().id;
		for (const [key, eventId] of entries) {
			const [type, stateKey] = splitStateKey(key);
			this.sql.exec(
				"INSERT INTO state_group_entries (group_id, type, state_key, event_id) VALUES (?, ?, ?, ?)",
				id,
				type,
				stateKey,
				eventId,
			);
		}
		return id;
	}

	/**
	 * The full state of a group, following its delta chain back to the snapshot: one recursive query
	 * (chains reach MAX_DELTA_DEPTH groups, and a query per group was most of a cold /sync slice's state).
	 */
	getStateGroup(groupId: number): StateMap {
		const rows = this.sql
			.exec<{ n: number; prev: number | null; type: string | null; state_key: string | null; event_id: string | null }>(
				`WITH RECURSIVE chain(id, prev, n) AS (
					SELECT id, prev_group, 0 FROM state_groups WHERE id = ?
					UNION ALL SELECT g.id, g.prev_group, c.n + 1 FROM state_groups g JOIN chain c ON g.id = c.prev
				)
				SELECT c.n AS n, c.prev AS prev, e.type AS type, e.state_key AS state_key, e.event_id AS event_id
				FROM chain c LEFT JOIN state_group_entries e ON e.group_id = c.id ORDER BY c.n DESC`,
				groupId,
			)
			.toArray();
		// The oldest group comes first and must be a snapshot; a missing group is a broken store.
		if (rows.length === 0 || rows[0]!.prev !== null) throw new Error(`state group ${groupId} has a broken chain`);
		const state: StateMap = new Map();
		for (const row of rows) {
			if (row.type === null || row.state_key === null) continue;
			const key = stateKeyOf(row.type, row.state_key);
			// Each group is a delta on the one before it: a null event ID removes the key.
			if (row.event_id === null) state.delete(key);
			else state.set(key, row.event_id);
		}
		return state;
	}

	setEventState(eventId: string, stateBefore: number, stateAfter: number): void {
		this.sql.exec(
			"INSERT INTO event_state (event_id, state_before, state_after) VALUES (?, ?, ?)",
			eventId,
			stateBefore,
			stateAfter,
		);
	}

	getEventState(eventId: string): { state_before: number; state_after: number } | null {
		const rows = this.sql
			.exec<{ state_before: number; state_after: number }>(
				"SELECT state_before, state_after FROM event_state WHERE event_id = ?",
				eventId,
			)
			.toArray();
		return rows[0] ?? null;
	}

	getCurrentStateIds(): StateEntry[] {
		return this.sql
			.exec<{ type: string; state_key: string; event_id: string }>(
				"SELECT type, state_key, event_id FROM current_state ORDER BY type, state_key",
			)
			.toArray();
	}

	/** Applies a delta to current state (null removes the key). */
	updateCurrentState(delta: StateDelta): void {
		for (const [key, eventId] of delta) {
			const [type, stateKey] = splitStateKey(key);
			if (eventId === null) {
				this.sql.exec("DELETE FROM current_state WHERE type = ? AND state_key = ?", type, stateKey);
			} else {
				this.sql.exec(
					"INSERT INTO current_state (type, state_key, event_id) VALUES (?, ?, ?) ON CONFLICT (type, state_key) DO UPDATE SET event_id = excluded.event_id",
					type,
					stateKey,
					eventId,
				);
			}
		}
	}

	/** The forward extremities (sorted) with the largest depth among them (0 when none is stored): one query. */
	getForwardExtremitiesAndDepth(): { event_ids: string[]; max_depth: number } {
		const rows = this.sql
			.exec<{ event_id: string; depth: number | null }>(
				"SELECT f.event_id, e.depth FROM forward_extremities f LEFT JOIN events e ON e.event_id = f.event_id ORDER BY f.event_id",
			)
			.toArray();
		let maxDepth = 0;
		for (const row of rows) if (row.depth !== null && row.depth > maxDepth) maxDepth = row.depth;
		return { event_ids: rows.map((r) => r.event_id), max_depth: maxDepth };
	}

	getForwardExtremities(): string[] {
		return this.sql
			.exec<{ event_id: string }>("SELECT event_id FROM forward_extremities ORDER BY event_id")
			.toArray()
			.map((r) => r.event_id);
	}

	/** A new timeline event replaces the extremities it references. */
	replaceForwardExtremities(removed: readonly string[], added: readonly string[]): void {
		// The usual case, one extremity replaced by one new event, in one statement. Where it changes no row (the
		// old one is not an extremity, or the new one already is), the general path below gives the same result.
		if (removed.length === 1 && added.length === 1) {
			const renamed = this.sql.exec("UPDATE OR IGNORE forward_extremities SET event_id = ?2 WHERE event_id = ?1 RETURNING 1", removed[0]!, added[0]!);
			if (renamed.toArray().length > 0) return;
		}
		for (const id of removed) this.sql.exec("DELETE FROM forward_extremities WHERE event_id = ?", id);
		for (const id of added) this.sql.exec("INSERT OR IGNORE INTO forward_extremities (event_id) VALUES (?)", id);
	}
}

function applyDelta(state: Map<string, string | null>, delta: StateDelta): void {
	for (const [key, eventId] of delta) {
		if (eventId === null) state.delete(key);
		else state.set(key, eventId);
	}
}
