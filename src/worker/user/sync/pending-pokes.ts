// Pokes that have woken long-polls but are not yet in the room_stream log (stream-store.ts).
// Any SQLite write shuts a Durable Object's output gate until its commit is durable, and the gate holds
// outgoing requests as well as replies; in workerd the commit's fsync also stalls the thread every object
// runs on. A poke that logged its position before waking the long-poll thus made the woken /sync wait for
// that commit twice over: its slice request to the room, then its answer. So a poke is announced here
// first; a woken sync that shows exactly the announced position names it in its token as "ahead" of the
// user stream (sync-token.ts) instead of logging it; and the poke logs only once those answers have left.
//
// Pokes are logged in batches: one commit for every poke that arrived within `delayMs` (a room's outbox
// asks for a delay, pokeSoon; other pokes for none). A user in a busy room, or in many, otherwise paid one
// commit per message per room. A delayed poke's caller does not wait for the log: it learns the position
// logged so far and asks again later (room/outbox-drain.ts), so a room never drops an outbox row for a
// poke that could still be lost. If the object stops before the commit, the room pokes again, and a token's
// ahead position covers the new row: nothing is shown twice.
// A /sync treats these entries as rows of the log that have no seq yet (room-fetch.ts).
// docs/client-server.md "Pokes and sync"

import type { RoomStreamKind } from "./stream-store";

export interface PendingPoke {
	room_id: string;
	kind: RoomStreamKind;
	position: number;
}

type Entry = PendingPoke & {
	/** Syncs that showed this position ahead of the log: each resolves once its answer is made. */
	readers: Promise<void>[];
};

type Batch = PromiseWithResolvers<void> & { at: number; timer: ReturnType<typeof setTimeout> | null };

export interface PokeLog {
	/** Logs the batch in one commit, each position unless the log holds it or a larger one; true if any was written. */
	write(batch: PendingPoke[]): boolean;
	/** Wakes waiting long-polls. */
	announce(): void;
}

/** The next turn of the event loop, after every microtask and the I/O already queued (answers being sent). */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class PendingPokes {
	private readonly entries = new Map<string, Entry>();
	/** The next batch's commit: resolves once it is written. */
	private batch: Batch | null = null;

	constructor(private readonly log: PokeLog) {}

	private static key(roomId: string, kind: RoomStreamKind): string {
		return `${kind}\u0000${roomId}`;
	}

	/** Whether a pending entry of this room and kind stands at `position` or later: a poke it covers adds nothing. */
	covers(roomId: string, kind: RoomStreamKind, position: number): boolean {
		const entry = this.entries.get(PendingPokes.key(roomId, kind));
		return entry !== undefined && entry.position >= position;
	}

	/**
	 * A sync is fetching this room: a pending poke of it waits for `answered` before it logs, so the sync
	 * may still show its position ahead of the log (take) when the slice comes back.
	 */
	read(roomId: string, kind: RoomStreamKind, answered: Promise<void>): void {
		this.entries.get(PendingPokes.key(roomId, kind))?.readers.push(answered);
	}

	/**
	 * A sync shows `position` of this room ahead of the log: true if a pending poke announced exactly that
	 * position (it will be logged), and the poke then waits for `answered` before it logs.
	 */
	take(roomId: string, kind: RoomStreamKind, position: number, answered: Promise<void>): boolean {
		const entry = this.entries.get(PendingPokes.key(roomId, kind));
		if (entry === undefined || entry.position !== position) return false;
		entry.readers.push(answered);
		return true;
	}

	/**
	 * Announces a poke and queues it for the batch written within `delayMs`; resolves once that batch is
	 * written. A later poke of the same room and kind raises the entry.
	 */
	add(poke: PendingPoke, delayMs: number): Promise<void> {
		const key = PendingPokes.key(poke.room_id, poke.kind);
		const entry = this.entries.get(key);
		const raised = entry === undefined || entry.position < poke.position;
		if (entry === undefined) this.entries.set(key, { ...poke, readers: [] });
		else if (raised) entry.position = poke.position;
		const done = this.schedule(delayMs);
		// A repeated or older poke is no news to a waiting sync.
		if (raised) this.log.announce();
		return done;
	}

	/**
	 * `position` was logged by other means (a /sync that fetched the room, a poke logged at once): a pending
	 * entry it covers is no news any more, and a sync that still listed it would fetch the room for nothing.
	 */
	drop(roomId: string, kind: RoomStreamKind, position: number): void {
		const key = PendingPokes.key(roomId, kind);
		const entry = this.entries.get(key);
		if (entry !== undefined && entry.position <= position) this.entries.delete(key);
	}

	list(): PendingPoke[] {
		return [...this.entries.values()].map(({ room_id, kind, position }) => ({ room_id, kind, position }));
	}

	/** The batch that writes within `delayMs` (the current one, brought forward if it would write later). */
	private schedule(delayMs: number): Promise<void> {
		const at = Date.now() + delayMs;
		if (this.batch === null) {
			this.batch = { ...Promise.withResolvers<void>(), at, timer: null };
			// A delayed poke's caller does not wait for it: a failed write must not go unhandled.
			this.batch.promise.catch(() => {});
		} else if (this.batch.timer === null || this.batch.at <= at) {
			// Due soon enough, or waiting for its readers: it takes every entry there is when it writes.
			return this.batch.promise;
		} else {
			clearTimeout(this.batch.timer);
			this.batch.at = at;
		}
		const batch = this.batch;
		// Woken syncs run on microtasks and send their slice requests (reading these entries) before their
		// first await, so a turn later every sync that may show a position has said so.
		batch.timer = setTimeout(() => {
			batch.timer = null;
			void this.write(batch);
		}, delayMs);
		return batch.promise;
	}

	private async write(batch: Batch): Promise<void> {
		for (;;) {
			const readers = [...this.entries.values()].flatMap((e) => e.readers.splice(0));
			if (readers.length === 0) break;
			// Each resolves once its sync's answer is made (never rejects: sync-engine.ts).
			await Promise.all(readers);
			// Their answers are on their way out: log after them, so the commit holds none of them.
			await nextTurn();
		}
		// A poke that arrives from here on goes into the next batch.
		if (this.batch === batch) this.batch = null;
		const taken = this.list();
		for (const p of taken) this.entries.delete(PendingPokes.key(p.room_id, p.kind));
		let wrote = false;
		try {
			wrote = taken.length > 0 && this.log.write(taken);
		} catch (err) {
			// Nothing of it is logged: a waiting poke fails (its room retries), a delayed one is asked again.
			batch.reject(err);
			return;
		}
		batch.resolve();
		// A position written here is news to any sync that did not take it up: announce again.
		if (wrote) this.log.announce();
	}
}
