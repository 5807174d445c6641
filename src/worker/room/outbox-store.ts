// The RoomDO outbox: pokes to local users' UserDOs and federation hand-offs of local events to remote
// servers, written in the event's transaction and deleted only after the hand-off succeeded.
// Schema: schema.ts (`outbox`). ARCHITECTURE.md "Pokes carry positions"; spec: https://spec.matrix.org/latest/server-server-api/#transactions

import type { Membership } from "./api";

/** A poke row's payload when the event changed the target's membership: the D1 index update. */
export interface MembershipChange {
	membership: Membership;
	event_id: string;
}

export interface PokeRow {
	id: number;
	target: string;
	stream_position: number;
	change: MembershipChange | null;
	attempts: number;
}

/** A federation row: hand the stored PDU of `event_id` to each of `servers` (fixed when the event was committed). */
export interface FederationRow {
	id: number;
	event_id: string;
	servers: string[];
	attempts: number;
}

export class OutboxStore {
	constructor(private readonly sql: SqlStorage) {}

	addPoke(target: string, position: number, change: MembershipChange | null, nowTs: number): void {
		this.sql.exec(
			"INSERT INTO outbox (kind, target, stream_position, payload, created_ts, next_attempt_ts) VALUES ('poke', ?, ?, ?, ?, ?)",
			target,
			position,
			change === null ? null : JSON.stringify(change),
			nowTs,
			nowTs,
		);
	}

	/** `target` holds the event ID; the payload the destination servers, as JSON. */
	addFederation(eventId: string, position: number, servers: readonly string[], nowTs: number): void {
		this.sql.exec(
			"INSERT INTO outbox (kind, target, stream_position, payload, created_ts, next_attempt_ts) VALUES ('federation', ?, ?, ?, ?, ?)",
			eventId,
			position,
			JSON.stringify(servers),
			nowTs,
			nowTs,
		);
	}

	/** Due federation rows in commit order. */
	dueFederation(nowTs: number, limit: number): FederationRow[] {
		return this.sql
			.exec<{ id: number; target: string; payload: string | null; attempts: number }>(
				"SELECT id, target, payload, attempts FROM outbox WHERE kind = 'federation' AND next_attempt_ts <= ? ORDER BY id LIMIT ?",
				nowTs,
				limit,
			)
			.toArray()
			.map((r) => ({ id: r.id, event_id: r.target, servers: r.payload === null ? [] : (JSON.parse(r.payload) as string[]), attempts: r.attempts }));
	}

	/**
	 * Every poke row of each target that has a due row, oldest first. A target's rows travel together so a
	 * retried older membership change can never land after a newer one.
	 */
	duePokes(nowTs: number, maxTargets: number): PokeRow[] {
		return this.sql
			.exec<{ id: number; target: string; stream_position: number; payload: string | null; attempts: number }>(
				`SELECT id, target, stream_position, payload, attempts FROM outbox
				WHERE kind = 'poke' AND target IN (
					SELECT DISTINCT target FROM outbox WHERE kind = 'poke' AND next_attempt_ts <= ? LIMIT ?)
				ORDER BY id`,
				nowTs,
				maxTargets,
			)
			.toArray()
			.map((r) => ({
				id: r.id,
				target: r.target,
				stream_position: r.stream_position,
				change: r.payload === null ? null : (JSON.parse(r.payload) as MembershipChange),
				attempts: r.attempts,
			}));
	}

	delete(ids: readonly number[]): void {
		for (const id of ids) this.sql.exec("DELETE FROM outbox WHERE id = ?", id);
	}

	/** Records a failed hand-off: the rows wait until `nextTs`. */
	deferRows(ids: readonly number[], nextTs: number): void {
		for (const id of ids) this.sql.exec("UPDATE outbox SET attempts = attempts + 1, next_attempt_ts = ? WHERE id = ?", nextTs, id);
	}

	/** When the next row falls due, or null if the outbox is empty. */
	nextDueTs(): number | null {
		return this.sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_ts) AS t FROM outbox").one().t;
	}
}
