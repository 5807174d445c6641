// The RoomDO outbox: pokes to local users' UserDOs and federation hand-offs of local events to remote
// servers, written in the event's transaction and deleted only after the hand-off succeeded. A delivered
// row (poke or federation) is deleted by the room's next commit (or its alarm), not by a commit of its own:
// until then it is remembered here and skipped; lost with the object, it is delivered again, which both
// allow (a poke carries a position and a larger one wins; the membership index upsert is idempotent; a
// DestinationDO enqueues a PDU once per event ID and remembers sent IDs for a day, bridge/outbound/store.ts).
// Poke rows are also held in memory, so the drain after each send reads none back (a query per send cost
// about 0.35 ms of it, measured); storage is read at start and by the alarm, which trusts no memory.
// Schema: schema.ts (`outbox`). ARCHITECTURE.md "Pokes carry positions"; spec: https://spec.matrix.org/latest/server-server-api/#transactions

import type { Atomically } from "../../platform/commit-or-reset";
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

/** A poke row as the room remembers it between drains (the stored row's columns). */
interface HeldPoke extends PokeRow {
	next_attempt_ts: number;
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
	 * The stored poke rows not yet delivered, by ID, so a drain after each send need not query the table:
	 * every row is added through addPoke by this object. Null until read from storage (at start and after the
	 * alarm's recheck), which is when rows written by an earlier life of the object come in.
	 */
	private pokes: Map<number, HeldPoke> | null = null;
	/** Rows added inside the open `transaction`: they join `pokes` only once it has committed. */
	private staged: HeldPoke[] | null = null;
	/**
	 * False once a read found no federation row and none was added since: a room without remote members then
	 * costs its drains no federation query. Starts true (rows may wait from before a restart).
	 */
	private federationRows = true;

	constructor(private readonly sql: SqlStorage) {}

	/**
	 * Runs `fn` atomically (storage.transactionSync, or commitOrReset on the local send path). Poke rows it
	 * adds are remembered only if it commits: a rolled-back row must never be delivered (its membership change
	 * did not happen).
	 */
	transaction<T>(atomically: Atomically, fn: () => T): T {
		if (this.staged !== null) return fn(); // nested: the outer transaction decides
		this.staged = [];
		try {
			const result = atomically(fn);
			for (const row of this.staged) this.pokes?.set(row.id, row);
			return result;
		} finally {
			this.staged = null;
		}
	}

	/**
	 * Adds a poke row; inside `transaction` it is remembered once that commits, outside it at once (the statement
	 * commits alone). A caller that adds pokes inside a storage transaction must open it with `transaction`, not
	 * with `storage.transactionSync` or `commitOrReset` directly: a row remembered from a transaction that then
	 * rolls back would be delivered.
	 */
	addPoke(target: string, position: number, change: MembershipChange | null, nowTs: number): void {
		const { id } = this.sql
			.exec<{ id: number }>(
				"INSERT INTO outbox (kind, target, stream_position, payload, created_ts, next_attempt_ts) VALUES ('poke', ?, ?, ?, ?, ?) RETURNING id",
				target,
				position,
				change === null ? null : JSON.stringify(change),
				nowTs,
				nowTs,
			)
			.one();
		const row: HeldPoke = { id, target, stream_position: position, change, attempts: 0, next_attempt_ts: nowTs };
		if (this.staged !== null) this.staged.push(row);
		else this.pokes?.set(id, row);
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
		this.pokes = null;
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
		const held = this.heldPokes();
		const due = new Set<string>();
		for (const row of held.values()) {
			if (due.size >= maxTargets) break;
			if (row.next_attempt_ts > nowTs) continue;
			const askTs = this.awaiting.get(row.id);
			if (askTs === undefined || askTs <= nowTs) due.add(row.target);
		}
		// A Map keeps insertion order, and rows are added in ID order (loaded sorted, then one by one).
		return [...held.values()].filter((row) => due.has(row.target));
	}

	/** The undelivered poke rows, read from storage once per life of the object (and after each recheck). */
	private heldPokes(): Map<number, HeldPoke> {
		if (this.pokes !== null) return this.pokes;
		const rows = this.sql
			.exec<{ id: number; target: string; stream_position: number; payload: string | null; attempts: number; next_attempt_ts: number }>(
				"SELECT id, target, stream_position, payload, attempts, next_attempt_ts FROM outbox WHERE kind = 'poke' AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id",
				this.deliveredJson(),
			)
			.toArray();
		this.pokes = new Map(
			rows.map((r) => [
				r.id,
				{
					id: r.id,
					target: r.target,
					stream_position: r.stream_position,
					change: r.payload === null ? null : (JSON.parse(r.payload) as MembershipChange),
					attempts: r.attempts,
					next_attempt_ts: r.next_attempt_ts,
				},
			]),
		);
		return this.pokes;
	}

	/** Rows handed off: skipped from now on, deleted by the next settleDelivered. */
	markDelivered(ids: readonly number[]): void {
		for (const id of ids) {
			this.delivered.add(id);
			this.awaiting.delete(id);
			this.pokes?.delete(id);
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

	/** Records a failed hand-off: the rows wait until `nextTs`. */
	deferRows(ids: readonly number[], nextTs: number): void {
		for (const id of ids) {
			this.awaiting.delete(id);
			this.sql.exec("UPDATE outbox SET attempts = attempts + 1, next_attempt_ts = ? WHERE id = ?", nextTs, id);
			const held = this.pokes?.get(id);
			if (held !== undefined) {
				held.attempts += 1;
				held.next_attempt_ts = nextTs;
			}
		}
	}

	/** When the next row falls due (not before `nowTs`), or null if no row waits for a hand-off. */
	nextDue(nowTs: number): number | null {
		// Rows awaiting a UserDO's log are asked about on the drain's timer (nextAsk), not by the alarm.
		let t: number | null = null;
		for (const row of this.heldPokes().values()) if (!this.awaiting.has(row.id) && (t === null || row.next_attempt_ts < t)) t = row.next_attempt_ts;
		if (this.federationRows) {
			const f = this.sql
				.exec<{ t: number | null }>("SELECT MIN(next_attempt_ts) AS t FROM outbox WHERE kind = 'federation' AND id NOT IN (SELECT value FROM json_each(?))", this.deliveredJson())
				.one().t;
			if (f !== null && (t === null || f < t)) t = f;
		}
		return t === null ? null : Math.max(t, nowTs);
	}
}
