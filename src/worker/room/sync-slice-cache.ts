// Remembers the RoomDO's answers to initial /sync slice requests (since = null), per reader and request,
// for as long as nothing in the room's storage has changed. An initial slice is the room's most costly
// read (timeline with visibility checks, full state, summary, unread counts), and clients repeat it: a
// new device, a cleared cache, a restart. Everything such an answer depends on lives in this object's
// SQLite (events, state, memberships, redactions, receipts, txn IDs, remote invites) or changes together
// with it in the same synchronous turn (typing moves the ephemeral position), except `unsigned.age`, which
// is recomputed from `origin_server_ts` on every answer.
// SQLite's total_changes() counts every row written on this object's connection since it opened: an
// unchanged count means unchanged data. Any write, even one that does not matter to a slice, forgets all.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync

import { refreshAges } from "../../protocol/events/client-event-age";
import type { RpcResult } from "../../protocol/errors";
import { MemoryLru } from "../../platform/memory-lru";

/** Answers kept per room; the oldest go first. */
const MAX_ENTRIES = 128;
/**
 * And at most this much JSON text in all (the objects take a few times that). Many Durable Objects share
 * one isolate's 128 MB, so each room keeps little: enough for its readers' repeated initial syncs.
 */
const MAX_CHARS = 1_000_000;

export class SyncSliceCache {
	private readonly entries = new MemoryLru<object>(MAX_ENTRIES, MAX_CHARS);
	/** The change count the entries were made at; a different count empties the cache. */
	private changes = -1;

	constructor(private readonly sql: SqlStorage) {}

	/** Answers held now (tests look). */
	get size(): number {
		return this.entries.size;
	}

	/**
	 * The JSON text of `compute()`'s value, from memory when `key` was answered at the current change
	 * count. `key` must name everything the answer depends on besides the room's stored data and `now`.
	 */
	answer(key: string, now: number, compute: () => RpcResult<object>): RpcResult<string> {
		const before = this.totalChanges();
		if (before !== this.changes) {
			this.entries.clear();
			this.changes = before;
		}
		const hit = this.entries.get(key);
		if (hit !== undefined) {
			refreshAges(hit, now);
			return { ok: true, value: JSON.stringify(hit) };
		}
		const result = compute();
		if (!result.ok) return result;
		const text = JSON.stringify(result.value);
		// A read that wrote (none should) would make the count it ran at a lie: do not keep it.
		if (this.totalChanges() === before) this.entries.set(key, result.value, text.length);
		return { ok: true, value: text };
	}

	private totalChanges(): number {
		return this.sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n;
	}
}
