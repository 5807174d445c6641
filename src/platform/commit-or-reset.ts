// Atomic writes without a SAVEPOINT, for a Durable Object's hot write path: all writes made before the
// object next awaits land in one implicit SQLite transaction, and a failure part-way resets the object so
// that transaction never commits. docs/client-server.md "Events" has the measurements.
// Runtime: https://developers.cloudflare.com/durable-objects/api/state/#abort

import { log } from "./log";

/** What commitOrReset needs of the object's state. */
export type Resettable = Pick<DurableObjectState, "abort">;

/** A way to make a synchronous block of writes atomic: storage.transactionSync, or commitOrReset. */
export type Atomically = <T>(fn: () => T) => T;

/**
 * Runs `fn`, which writes synchronously (it never awaits), as one atomic unit.
 *
 * The runtime puts every write an object makes before it next awaits into one implicit transaction and
 * commits them together. If `fn` throws part-way, `abort()` breaks the object's storage at once (workerd
 * does so synchronously, before the pending commit can run), so none of those writes is kept, every
 * caller still waiting on the object's output gets an error, and the object starts again from what is
 * durable, with fresh memory. It is a coarser rollback than `transactionSync`'s savepoint, and cheaper:
 * the savepoint makes SQLite copy every page the writes touch, and a message send touches about 25, past
 * the 64 KiB SQLite keeps in memory, so every send created, wrote and deleted a temporary file.
 *
 * Only for writes that never fail on purpose: an expected refusal must be decided before `fn` runs.
 */
export function commitOrReset<T>(ctx: Resettable, fn: () => T): T {
	try {
		return fn();
	} catch (err) {
		log.error("commit_failed_object_reset", { error: err });
		ctx.abort("A commit failed part-way: the object resets so that none of it is kept");
		// abort() ends this request in workerd; a runtime that returned from it must still not go on.
		throw err;
	}
}
