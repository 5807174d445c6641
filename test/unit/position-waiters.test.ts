// The room's waiters for the peeking event stream: woken by a position past theirs, not by one at or below
// it; ended by their timeout otherwise; and bounded in number.
import { describe, expect, it, vi } from "vitest";
import { PositionWaiters } from "../../src/worker/room/position-waiters";

describe("PositionWaiters", () => {
	it("wakes a waiter only once the position passes its own, and forgets it", async () => {
		const waiters = new PositionWaiters();
		let woke = false;
		const waiting = waiters.wait(5, 60_000).then(() => (woke = true));
		waiters.advanced(5);
		await Promise.resolve();
		expect([woke, waiters.size]).toEqual([false, 1]);
		waiters.advanced(6);
		await waiting;
		expect([woke, waiters.size]).toEqual([true, 0]);
	});

	it("ends at its timeout when nothing happens", async () => {
		vi.useFakeTimers();
		try {
			const waiters = new PositionWaiters();
			let woke = false;
			const waiting = waiters.wait(1, 1_000).then(() => (woke = true));
			await vi.advanceTimersByTimeAsync(999);
			expect(woke).toBe(false);
			await vi.advanceTimersByTimeAsync(1);
			await waiting;
			expect([woke, waiters.size]).toEqual([true, 0]);
		} finally {
			vi.useRealTimers();
		}
	});

	it("answers at once with no timeout, and past 1,000 waiters", async () => {
		const waiters = new PositionWaiters();
		await waiters.wait(1, 0);
		const parked = Array.from({ length: 1_000 }, () => waiters.wait(1, 60_000));
		expect(waiters.size).toBe(1_000);
		await waiters.wait(1, 60_000); // the 1,001st does not park
		expect(waiters.size).toBe(1_000);
		waiters.advanced(2);
		await Promise.all(parked);
		expect(waiters.size).toBe(0);
	});
});
