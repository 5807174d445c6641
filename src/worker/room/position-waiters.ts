// Requests parked until the room's stream moves past a position: the peeking event stream (GET /events with
// room_id) for users who are not in the room, so no UserDO poke reaches them. The room calls `advanced`
// after every commit; a waiter also ends at its timeout, so a missed wake costs latency, never events (the
// caller reads from its token again either way).
// Spec: https://spec.matrix.org/latest/client-server-api/#room-previews

/** Waiters one room holds at most; past that a new one answers at once (its client simply polls again). */
const MAX_WAITERS = 1_000;

interface Waiter {
	after: number;
	done: () => void;
}

export class PositionWaiters {
	private readonly waiters = new Set<Waiter>();

	get size(): number {
		return this.waiters.size;
	}

	/** Resolves once `advanced` reports a position past `after`, or after `timeoutMs`, whichever is first. */
	wait(after: number, timeoutMs: number): Promise<void> {
		if (timeoutMs <= 0 || this.waiters.size >= MAX_WAITERS) return Promise.resolve();
		return new Promise((resolve) => {
			const waiter: Waiter = {
				after,
				done: () => {
					clearTimeout(timer);
					this.waiters.delete(waiter);
					resolve();
				},
			};
			const timer = setTimeout(waiter.done, timeoutMs);
			this.waiters.add(waiter);
		});
	}

	/** The room's stream reached `position`: wake everyone waiting for less. */
	advanced(position: number): void {
		for (const w of [...this.waiters]) if (position > w.after) w.done();
	}
}
