// The RoomDO outbox: pokes to local users' UserDOs, written in the event's transaction and deleted only
// after the hand-off succeeded. Schema: schema.ts (`outbox`). ARCHITECTURE.md "Pokes carry positions".

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
