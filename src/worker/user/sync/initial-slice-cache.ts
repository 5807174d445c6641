// The UserDO's memory of the initial slices its rooms last answered (room-fetch.ts), so an initial /sync
// need not ask a joined room that has not moved since. Each DO call costs far more than the room's own
// (cached, room/sync-slice-cache.ts) work, and an initial sync makes one per room.
// A room tells this user of every change that reaches a joined member's slice by a poke: every event
// (new timeline, state, membership, redaction, unread counts) moves its timeline position, and every
// receipt or typing change its ephemeral position (room/receipts.ts wakeMembers). So a remembered answer
// stands while both positions logged here are still the ones it was fetched at. Pokes come a moment after
// the write, so an initial sync may lag a just-sent event by that moment; the poke then shows the event
// in the next incremental sync, exactly as for an ordinary long-poll (nothing lost, nothing twice).
// Ephemeral wakes are best-effort, so answers are also forgotten after MAX_AGE_MS.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync

import { refreshAges } from "../../../protocol/events/client-event-age";
import { MemoryLru, requestKey } from "../../../platform/memory-lru";
import type { SyncSlice } from "../../room/api";
import type { EphemeralSlice } from "./types";

export interface SliceWithEphemeral {
	slice: SyncSlice;
	ephemeral: EphemeralSlice | null;
}

/** How long an answer may stand at most, whatever the pokes say. */
export const MAX_AGE_MS = 5 * 60_000;
/** Answers kept per user (rooms × request shapes); the oldest go first. */
const MAX_ENTRIES = 1_000;
/** And at most this much JSON text in all (the objects take a few times that; DOs share an isolate's 128 MB). */
const MAX_CHARS = 2_000_000;

type Entry = { value: SliceWithEphemeral; fetched_at: number };

export class InitialSliceCache {
	private readonly entries = new MemoryLru<Entry>(MAX_ENTRIES, MAX_CHARS);

	/**
	 * The answer remembered for `roomId` and this request, if the room is joined in it and has not moved
	 * since (`logged` gives the latest position logged from pokes and fetches). Ages are made current.
	 */
	get(roomId: string, request: object, now: number, logged: (roomId: string, kind: "timeline" | "ephemeral") => number | null): SliceWithEphemeral | null {
		const key = requestKey(roomId, request);
		const entry = this.entries.get(key);
		if (entry === undefined) return null;
		const { slice, ephemeral } = entry.value;
		const current =
			now - entry.fetched_at <= MAX_AGE_MS &&
			slice.membership === "join" &&
			ephemeral !== null &&
			logged(roomId, "timeline") === slice.position &&
			logged(roomId, "ephemeral") === ephemeral.position;
		if (!current) {
			this.entries.delete(key);
			return null;
		}
		refreshAges(entry.value, now);
		return entry.value;
	}

	/**
	 * Remembers a joined room's fresh answer; `chars` is the length of the JSON text it came as. Only a
	 * timeline that backfill cannot change: a limited one (older history, however much arrives, stays
	 * before it) or one that starts at m.room.create (there is nothing before it). Backfilled history
	 * moves no position and pokes nobody, so an answer without older history could not tell it came.
	 */
	put(roomId: string, request: object, value: SliceWithEphemeral, chars: number, now: number): void {
		const { slice } = value;
		const wholeOrLimited = slice.limited || slice.timeline[0]?.type === "m.room.create";
		if (slice.membership !== "join" || value.ephemeral === null || !wholeOrLimited) return;
		this.entries.set(requestKey(roomId, request), { value, fetched_at: now }, chars, 8);
	}

	/** Answers held now (tests look). */
	get size(): number {
		return this.entries.size;
	}
}
