// The outbox drain's retry logic on a real RoomDO's storage: failed hand-offs stay with backoff, others are
// skipped from then on and deleted when settled, one poke per user carries the newest position and the
// latest membership change.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { backoffMs, drainOutbox } from "../../src/worker/room/outbox-drain";
import { type MembershipChange, OutboxStore } from "../../src/worker/room/outbox-store";
import type { RoomDO } from "../../src/worker/room/room-do";

describe("drainOutbox", () => {
	it("coalesces a user's rows, keeps failed ones with backoff, and retries them when due", async () => {
		await runInDurableObject(env.ROOM.getByName("!outbox:example.org"), async (_i: RoomDO, state) => {
			const outbox = new OutboxStore(state.storage.sql);
			let now = 1_000_000;
			outbox.addPoke("@a:x", 1, { membership: "join", event_id: "$j" }, now);
			outbox.addPoke("@a:x", 2, null, now);
			outbox.addPoke("@a:x", 3, { membership: "leave", event_id: "$l" }, now);
			outbox.addPoke("@b:x", 3, null, now);
			const calls: [string, number, MembershipChange | null][] = [];
			let failB = true;
			const deliver = async (target: string, position: number, change: MembershipChange | null) => {
				calls.push([target, position, change]);
				if (target === "@b:x" && failB) throw new Error("unavailable");
			};

			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toContainEqual(["@a:x", 3, { membership: "leave", event_id: "$l" }]);
			expect(calls).toContainEqual(["@b:x", 3, null]);
			expect(calls).toHaveLength(2);
			expect(outbox.nextDue(now)).toBe(now + backoffMs(0));
			// @a's rows are delivered: still stored until settled, but never handed off again.
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toHaveLength(4);
			expect(outbox.hasUnsettled()).toBe(true);
			outbox.settleDelivered();
			expect(outbox.hasUnsettled()).toBe(false);
			const rows = state.storage.sql.exec<{ target: string; attempts: number }>("SELECT target, attempts FROM outbox").toArray();
			expect(rows).toEqual([{ target: "@b:x", attempts: 1 }]);

			// Not due yet: nothing is tried.
			calls.length = 0;
			now += 500;
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([]);

			// A second failure doubles the wait.
			now += 500;
			await drainOutbox(outbox, deliver, () => now);
			expect(state.storage.sql.exec<{ next_attempt_ts: number }>("SELECT next_attempt_ts FROM outbox").one().next_attempt_ts).toBe(now + backoffMs(1));

			// A new row for @b while his delivered ones wait: the next drain pokes the new position alone.
			failB = false;
			now += backoffMs(1);
			await drainOutbox(outbox, deliver, () => now);
			expect(outbox.nextDue(now)).toBeNull();
			outbox.addPoke("@b:x", 4, null, now);
			calls.length = 0;
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([["@b:x", 4, null]]);
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toHaveLength(2);
			expect(outbox.nextDue(now)).toBeNull();
			outbox.settleDelivered();
			expect(state.storage.sql.exec("SELECT * FROM outbox").toArray()).toEqual([]);
		});
	});

	it("caps the backoff at ten minutes", () => {
		expect(backoffMs(0)).toBe(1_000);
		expect(backoffMs(3)).toBe(8_000);
		expect(backoffMs(50)).toBe(600_000);
	});
});
