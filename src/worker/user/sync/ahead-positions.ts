// Room positions a /sync shows before the user stream logs them: a woken sync that shows exactly what a
// pending poke announced names it in its token (sync-token.ts `ahead`) and leaves the logging to the poke,
// which logs once the answer has left (pending-pokes.ts). The next sync from that token starts those rooms
// at the ahead position, and skips log rows it already covers; a token keeps an ahead position only until
// the log at the token's seq reaches it.
// Spec: https://spec.matrix.org/latest/client-server-api/#syncing (tokens are opaque)

import { type AheadPosition, MAX_AHEAD, type SyncToken } from "../../../protocol/sync/sync-token";
import type { PendingPokes } from "./pending-pokes";
import type { RoomStreamKind, SyncStore } from "./stream-store";

type Shown = { room_id: string; kind: RoomStreamKind; position: number };
/** Ahead positions by room and kind. */
export type AheadMap = Map<string, Shown>;
const key = (roomId: string, kind: RoomStreamKind) => `${kind}\u0000${roomId}`;

/** The token's ahead positions by room, or null if one names a room this user stream never had before it. */
export function sinceAhead(store: SyncStore, since: SyncToken): AheadMap | null {
	const out: AheadMap = new Map();
	for (const a of since.ahead ?? []) {
		const roomId = a.room <= since.user ? store.roomOfRef(a.room) : null;
		if (roomId === null) return null;
		const k = key(roomId, a.kind);
		if ((out.get(k)?.position ?? -1) < a.position) out.set(k, { room_id: roomId, kind: a.kind, position: a.position });
	}
	return out;
}

export class AheadPositions {
	private readonly shown = new Map<string, Shown>();
	/** Every mark this computation reaches is at least this seq, so a room logged by then can be named. */
	private readonly floor: number;

	/**
	 * `carried`: the since token's positions; `answered` resolves once this computation's answer is made
	 * (a poke whose position it shows waits for it before logging).
	 */
	constructor(
		private readonly store: SyncStore,
		private readonly carried: AheadMap,
		private readonly pending: PendingPokes | undefined,
		private readonly answered: Promise<void>,
	) {
		this.floor = store.currentSeq();
	}

	/** The position the since token saw of a room beyond its user-stream position, or null. */
	since(roomId: string, kind: RoomStreamKind): number | null {
		return this.carried.get(key(roomId, kind))?.position ?? null;
	}

	/** This computation fetches the room: a pending poke of it waits for the answer before logging. */
	reading(roomId: string, kind: RoomStreamKind): void {
		this.pending?.read(roomId, kind, this.answered);
	}

	/** True if `position` goes in the token instead of the log: a pending poke announced exactly it. */
	show(roomId: string, kind: RoomStreamKind, position: number): boolean {
		if (this.pending === undefined || this.carried.size + this.shown.size >= MAX_AHEAD) return false;
		const logged = this.store.latestPosition(roomId, kind);
		if (logged !== null && logged >= position) return false;
		const ref = this.store.roomRef(roomId);
		if (ref === null || ref > this.floor || !this.pending.take(roomId, kind, position, this.answered)) return false;
		this.shown.set(key(roomId, kind), { room_id: roomId, kind, position });
		return true;
	}

	/** The next token's ahead positions: those, shown now or carried, that the log at `mark` does not cover. */
	forToken(mark: number): AheadPosition[] {
		const all = new Map(this.carried);
		for (const [k, s] of this.shown) if ((all.get(k)?.position ?? -1) < s.position) all.set(k, s);
		const out: AheadPosition[] = [];
		for (const s of all.values()) {
			const logged = this.store.positionAt(s.room_id, s.kind, mark);
			const ref = this.store.roomRef(s.room_id);
			if (ref !== null && (logged === null || logged < s.position)) out.push({ room: ref, kind: s.kind, position: s.position });
		}
		return out;
	}
}
