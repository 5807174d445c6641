// Pokes that have woken a long-poll but are not yet in the room_stream log (stream-store.ts).
// Any SQLite write shuts a Durable Object's output gate until the write is durable, and the gate holds
// outgoing requests as well as replies. A poke that logged its position before waking the long-poll made
// the woken /sync's slice request to the room wait for that commit, so a message reached the other user one
// fsync later than it had to. The poke is therefore announced here first, the woken syncs send their slice
// requests, and only then is it logged (UserSync.poke): the commit runs while the room answers. The poke's
// own reply still waits for the commit, so a room never drops an outbox row for a poke that could be lost.
// A /sync treats these entries as rows of the log that have no seq yet (room-fetch.ts): a room is fetched
// for them, and whichever logs the position first (the sync after its fetch, or the poke) logs it once.
// docs/client-server.md "Pokes and sync"

import type { RoomStreamKind } from "./stream-store";

export interface PendingPoke {
	room_id: string;
	kind: RoomStreamKind;
	position: number;
}

type Entry = PendingPoke & { logged: Promise<void> };

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
	 * Announces a poke, then logs it on a later turn. `log` writes the position unless the log already
	 * holds it or a larger one (a /sync that fetched the room logs what it saw); if it did write, no sync
	 * took the poke up meanwhile, so the announcement is made again.
	 */
	async hold(poke: PendingPoke, announce: () => void, log: () => boolean): Promise<void> {
		const key = PendingPokes.key(poke.room_id, poke.kind);
		// Timers run after every microtask: by then each woken /sync has sent its requests (room-fetch.ts
		// issues them before its first await), so this write no longer holds them at the output gate.
		const logged = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
			if (log()) announce();
		});
		const entry: Entry = { ...poke, logged };
		this.entries.set(key, entry);
		announce();
		try {
			await logged;
		} finally {
			if (this.entries.get(key) === entry) this.entries.delete(key);
		}
	}

	/** The largest pending position of a room and kind, or null. */
	position(roomId: string, kind: RoomStreamKind): number | null {
		return this.entries.get(PendingPokes.key(roomId, kind))?.position ?? null;
	}

	list(): PendingPoke[] {
		return [...this.entries.values()].map(({ room_id, kind, position }) => ({ room_id, kind, position }));
	}
}
