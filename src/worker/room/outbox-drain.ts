// Draining the RoomDO outbox (run by its alarm): per local user, the newest position as one poke and the
// latest membership change into the D1 index. Rows go only after success (marked delivered here, deleted
// by the room's next commit: outbox-store.ts); failures back off and retry.
// ARCHITECTURE.md "The path of an encrypted message" step 3; docs/client-server.md "Pokes and sync".

import { log } from "../../platform/log";
import type { MembershipChange, OutboxStore, PokeRow } from "./outbox-store";

/**
 * Hands one user's rows off: updates the D1 index (if `change`), then pokes their UserDO. Answers the
 * position the user has logged so far (-1: none); throws on failure.
 */
export type PokeDelivery = (target: string, position: number, change: MembershipChange | null) => Promise<number>;

/**
 * When to poke again about rows the UserDO took but has not logged yet (it logs within 50 ms:
 * user/sync/user-sync.ts POKE_LOG_DELAY_MS). A later poke's answer usually confirms them before that.
 */
export const CONFIRM_AFTER_MS = 200;

/** How many users one drain serves before yielding to the next alarm. */
const TARGETS_PER_DRAIN = 200;
const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10 * 60_000;

export function backoffMs(attempts: number): number {
	return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(attempts, 20));
}

/** Delivers due pokes; the outbox's nextDue says when the rest falls due. */
export async function drainOutbox(outbox: OutboxStore, deliver: PokeDelivery, now: () => number): Promise<void> {
	const rows = outbox.duePokes(now(), TARGETS_PER_DRAIN);
	const byTarget = new Map<string, PokeRow[]>();
	for (const row of rows) {
		const list = byTarget.get(row.target);
		if (list) list.push(row);
		else byTarget.set(row.target, [row]);
	}
	await Promise.all(
		[...byTarget].map(async ([target, list]) => {
			const position = Math.max(...list.map((r) => r.stream_position));
			// Rows are in commit order, so the last change is the user's current membership.
			const change = list.reduce<MembershipChange | null>((latest, r) => r.change ?? latest, null);
			const ids = list.map((r) => r.id);
			try {
				const logged = await deliver(target, position, change);
				const settled: number[] = [];
				const woken: number[] = [];
				for (const r of list) (r.stream_position <= logged ? settled : woken).push(r.id);
				// No write of its own: a commit after this await would cost the room one more per send.
				outbox.markDelivered(settled);
				// The rest are woken but not yet logged: asked again later, unless a later answer covers them.
				outbox.awaitLog(woken, now() + CONFIRM_AFTER_MS);
			} catch (err) {
				const attempts = Math.max(...list.map((r) => r.attempts));
				outbox.deferRows(ids, now() + backoffMs(attempts));
				log.warn("room_outbox_delivery_failed", { attempts: attempts + 1, error: err });
			}
		}),
	);
}
