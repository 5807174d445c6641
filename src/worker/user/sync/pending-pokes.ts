// Pokes that have woken a long-poll but are not yet in the room_stream log (stream-store.ts).
// Any SQLite write shuts a Durable Object's output gate until its commit is durable, and the gate holds
// outgoing requests as well as replies; in workerd the commit's fsync also stalls the thread every object
// runs on. A poke that logged its position before waking the long-poll thus made the woken /sync wait for
// that commit twice over: its slice request to the room, then its answer. So a poke is announced here
// first; a woken sync that shows exactly the announced position names it in its token as "ahead" of the
// user stream (sync-token.ts) instead of logging it; and the poke logs only once those answers have left.
// The poke's own reply still waits for the commit, so a room never drops an outbox row for a poke that could
// be lost. If the object stops before the commit, the room pokes again, and the token's ahead position
// covers the new row: nothing is shown twice.
// A /sync treats these entries as rows of the log that have no seq yet (room-fetch.ts).
// docs/client-server.md "Pokes and sync"

import type { RoomStreamKind } from "./stream-store";

export interface PendingPoke {
	room_id: string;
	kind: RoomStreamKind;
	position: number;
}

type Entry = PendingPoke & {
	logged: Promise<void>;
	/** Syncs that showed this position ahead of the log: each resolves once its answer is made. */
	readers: Promise<void>[];
};

/** The next turn of the event loop, after every microtask and the I/O already queued (answers being sent). */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class PendingPokes {
	private readonly entries = new Map<string, Entry>();

	private static key(roomId: string, kind: RoomStreamKind): string {
		return `${kind}\u0000${roomId}`;
	}

	/** The pending entry of a room and kind at `position` or later, if any: a poke it covers need only wait for it. */
	covering(roomId: string, kind: RoomStreamKind, position: number): Promise<void> | null {
		const entry = this.entries.get(PendingPokes.key(roomId, kind));
		return entry !== undefined && entry.position >= position ? entry.logged : null;
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
	 * Announces a poke, then logs it once the syncs it woke have answered. `log` writes the position unless
	 * the log already holds it or a larger one (a /sync that fetched the room may have logged what it saw);
	 * if it did write, no sync took the poke up meanwhile, so the announcement is made again.
	 */
	async hold(poke: PendingPoke, announce: () => void, log: () => boolean): Promise<void> {
		const key = PendingPokes.key(poke.room_id, poke.kind);
		const readers: Promise<void>[] = [];
		const logged = (async () => {
			// Woken syncs run on microtasks and send their slice requests (reading this entry) before their
			// first await, so a turn later every sync that may show this position has said so.
			await nextTurn();
			if (readers.length > 0) {
				while (readers.length > 0) await Promise.all(readers.splice(0));
				// Their answers are on their way out: log after them, so the commit holds none of them.
				await nextTurn();
			}
			if (log()) announce();
		})();
		const entry: Entry = { ...poke, logged, readers };
		this.entries.set(key, entry);
		announce();
		try {
			await logged;
		} finally {
			if (this.entries.get(key) === entry) this.entries.delete(key);
		}
	}

	list(): PendingPoke[] {
		return [...this.entries.values()].map(({ room_id, kind, position }) => ({ room_id, kind, position }));
	}
}
