// The RoomDO outbox: pokes to local users' UserDOs and federation hand-offs of local events to remote
// servers, written in the event's transaction and deleted only after the hand-off succeeded. A delivered
// row (poke or federation) is deleted by the room's next commit (or its alarm), not by a commit of its own:
// until then it is remembered here and skipped; lost with the object, it is delivered again, which both
// allow (a poke carries a position and a larger one wins; the membership index upsert is idempotent; a
// DestinationDO enqueues a PDU once per event ID and remembers sent IDs for a day, bridge/outbound/store.ts).
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
	/** Rows delivered but not yet deleted (settleDelivered deletes them inside a commit). */
	private readonly delivered = new Set<number>();
	/**
	 * Poke rows whose UserDO took the poke but has not logged it yet, with when to ask again (outbox-drain.ts
	 * CONFIRM_AFTER_MS). In memory: after a restart they are simply due again.
	 */
	private readonly awaiting = new Map<number, number>();
	/**
	 * False once a read found no federation row and none was added since: a room without remote members then
	 * costs its drains no federation query. Starts true (rows may wait from before a restart).
	 */
	private federationRows = true;

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
		// Set even if the transaction rolls back: then the next drain only reads once more.
		this.federationRows = true;
		this.sql.exec(
			"INSERT INTO outbox (kind, target, stream_position, payload, created_ts, next_attempt_ts) VALUES ('federation', ?, ?, ?, ?, ?)",
			eventId,
			position,
			JSON.stringify(servers),
			nowTs,
			nowTs,
		);
	}

	/** The alarm trusts no memory: the next dueFederation reads storage, and every poke row not known to be logged is due. */
	recheck(): void {
		this.federationRows = true;
		// The alarm asks about every poke not yet known to be logged, whatever its ask time.
		this.awaiting.clear();
	}

	/** Due federation rows not yet handed off, in commit order. */
	dueFederation(nowTs: number, limit: number): FederationRow[] {
		if (!this.federationRows) return [];
		const rows = this.sql
			.exec<{ id: number; target: string; payload: string | null; attempts: number }>(
				"SELECT id, target, payload, attempts FROM outbox WHERE kind = 'federation' AND next_attempt_ts <= ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
				nowTs,
				this.deliveredJson(),
				limit,
			)
			.toArray()
			.map((r) => ({ id: r.id, event_id: r.target, servers: r.payload === null ? [] : (JSON.parse(r.payload) as string[]), attempts: r.attempts }));
		// None due: see whether any waits at all (a deferred one; a delivered one waits only for settling); if
		// not, later drains need not ask.
		if (rows.length === 0)
			this.federationRows = this.sql.exec("SELECT 1 FROM outbox WHERE kind = 'federation' AND id NOT IN (SELECT value FROM json_each(?)) LIMIT 1", this.deliveredJson()).toArray().length > 0;
		return rows;
	}

	/**
	 * Every poke row of each target that has a due row, oldest first. A target's rows travel together so a
	 * retried older membership change can never land after a newer one.
	 */
	duePokes(nowTs: number, maxTargets: number): PokeRow[] {
		return this.sql
			.exec<{ id: number; target: string; stream_position: number; payload: string | null; attempts: number }>(
				`SELECT id, target, stream_position, payload, attempts FROM outbox
				WHERE kind = 'poke' AND id NOT IN (SELECT value FROM json_each(?1)) AND target IN (
					SELECT DISTINCT target FROM outbox WHERE kind = 'poke' AND next_attempt_ts <= ?2 AND id NOT IN (SELECT value FROM json_each(?4)) LIMIT ?3)
				ORDER BY id`,
				this.deliveredJson(),
				nowTs,
				maxTargets,
				this.notDueJson(nowTs),
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

	/** Rows handed off: skipped from now on, deleted by the next settleDelivered. */
	markDelivered(ids: readonly number[]): void {
		for (const id of ids) {
			this.delivered.add(id);
			this.awaiting.delete(id);
		}
	}

	/** Poke rows taken but not yet logged by their UserDO: not due again before `askTs` (unless a newer row of the target is). */
	awaitLog(ids: readonly number[], askTs: number): void {
		for (const id of ids) this.awaiting.set(id, askTs);
	}

	/** When rows awaiting their UserDO's log are next to be asked about, or null if none are. */
	nextAsk(): number | null {
		return this.awaiting.size === 0 ? null : Math.min(...this.awaiting.values());
	}

	/** Whether delivered rows wait for settleDelivered, or poked ones for their UserDO's log. */
	hasUnsettled(): boolean {
		return this.delivered.size > 0 || this.awaiting.size > 0;
	}

	/** Deletes the delivered rows; run inside a commit the room makes anyway (an event's, the alarm's). */
	settleDelivered(): void {
		if (this.delivered.size === 0) return;
		this.sql.exec("DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))", this.deliveredJson());
		this.delivered.clear();
	}

	private deliveredJson(): string {
		return JSON.stringify([...this.delivered]);
	}

	/** Delivered rows and rows awaiting their UserDO's log that are not to be asked about by `nowTs` (-Infinity: all of them). */
	private notDueJson(nowTs: number): string {
		const ids = [...this.delivered];
		for (const [id, askTs] of this.awaiting) if (askTs > nowTs) ids.push(id);
		return JSON.stringify(ids);
	}

	/** Records a failed hand-off: the rows wait until `nextTs`. */
	deferRows(ids: readonly number[], nextTs: number): void {
		for (const id of ids) {
			this.awaiting.delete(id);
			this.sql.exec("UPDATE outbox SET attempts = attempts + 1, next_attempt_ts = ? WHERE id = ?", nextTs, id);
		}
	}

	/** When the next row falls due (not before `nowTs`), or null if no row waits for a hand-off. */
	nextDue(nowTs: number): number | null {
		// Rows awaiting a UserDO's log are asked about on the drain's timer (nextAsk), not by the alarm.
		const t = this.sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_ts) AS t FROM outbox WHERE id NOT IN (SELECT value FROM json_each(?))", this.notDueJson(-Infinity)).one().t;
		return t === null ? null : Math.max(t, nowTs);
	}
}
