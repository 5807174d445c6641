// The outbox drain's retry logic on a real RoomDO's storage: failed hand-offs stay with backoff, others are
// skipped from then on and deleted when settled, one poke per user carries the newest position and the
// latest membership change; federation rows are handed off once each, in commit order, and likewise wait
// for settling. Poke rows are held in memory between drains (read from storage at start and on the
// alarm's recheck), and a row added in a transaction that rolls back is never delivered.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { backoffMs, CONFIRM_AFTER_MS, drainOutbox } from "../../src/worker/room/outbox-drain";
import { drainFederation } from "../../src/worker/room/outbox-federation";
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
				return position;
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

	it("keeps rows whose poke is not logged yet, asks again later, and settles them once an answer covers them", async () => {
		await runInDurableObject(env.ROOM.getByName("!outbox-await:example.org"), async (_i: RoomDO, state) => {
			const outbox = new OutboxStore(state.storage.sql);
			let now = 2_000_000;
			const calls: [string, number][] = [];
			// What each user's stream has logged: the UserDO logs in batches, after its answer.
			const logged = new Map<string, number>();
			const deliver = async (target: string, position: number) => {
				calls.push([target, position]);
				return logged.get(target) ?? -1;
			};
			outbox.addPoke("@a:x", 1, { membership: "join", event_id: "$j" }, now);
			outbox.addPoke("@a:x", 2, null, now);
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([["@a:x", 2]]);
			// Woken, not logged: kept, not due again before the ask time, and no alarm time of their own.
			expect(outbox.hasUnsettled()).toBe(true);
			expect(outbox.nextAsk()).toBe(now + CONFIRM_AFTER_MS);
			expect(outbox.nextDue(now)).toBeNull();
			calls.length = 0;
			await drainOutbox(outbox, deliver, () => now + 10);
			expect(calls).toEqual([]);
			outbox.settleDelivered();
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toHaveLength(2);

			// A new message: the user's rows travel together, and an answer that covers position 2 only
			// settles rows 1 and 2; row 3 waits.
			now += 50;
			logged.set("@a:x", 2);
			outbox.addPoke("@a:x", 3, null, now);
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([["@a:x", 3]]);
			outbox.settleDelivered();
			expect(state.storage.sql.exec<{ stream_position: number }>("SELECT stream_position FROM outbox").toArray()).toEqual([{ stream_position: 3 }]);
			expect(outbox.nextAsk()).toBe(now + CONFIRM_AFTER_MS);

			// At the ask time it is poked again; now logged, it settles.
			calls.length = 0;
			logged.set("@a:x", 3);
			now += CONFIRM_AFTER_MS;
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([["@a:x", 3]]);
			expect(outbox.nextAsk()).toBeNull();
			outbox.settleDelivered();
			expect(outbox.hasUnsettled()).toBe(false);
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toEqual([]);

			// After a restart the memory is gone: a row awaiting its log is simply due again.
			outbox.addPoke("@a:x", 4, null, now);
			await drainOutbox(outbox, deliver, () => now);
			const fresh = new OutboxStore(state.storage.sql);
			calls.length = 0;
			await drainOutbox(fresh, deliver, () => now);
			expect(calls).toEqual([["@a:x", 4]]);
		});
	});

	it("remembers a poke row only once its transaction commits, and reads storage again only after a restart or recheck", async () => {
		await runInDurableObject(env.ROOM.getByName("!outbox-txn:example.org"), async (_i: RoomDO, state) => {
			const outbox = new OutboxStore(state.storage.sql);
			const now = 3_000_000;
			const calls: [string, number, MembershipChange | null][] = [];
			const deliver = async (target: string, position: number, change: MembershipChange | null) => {
				calls.push([target, position, change]);
				return position;
			};
			// Nothing stored yet: the first drain reads the (empty) table.
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([]);

			// A transaction that throws after adding a row: the row is neither stored nor delivered.
			expect(() =>
				outbox.transaction((fn) => state.storage.transactionSync(fn), () => {
					outbox.addPoke("@a:x", 1, { membership: "join", event_id: "$rolled-back" }, now);
					throw new Error("abort");
				}),
			).toThrow("abort");
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toEqual([]);
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([]);

			// A committed one is delivered from memory.
			outbox.transaction((fn) => state.storage.transactionSync(fn), () => outbox.addPoke("@a:x", 2, { membership: "join", event_id: "$j" }, now));
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([["@a:x", 2, { membership: "join", event_id: "$j" }]]);
			outbox.settleDelivered();

			// A row this object did not add (an earlier life's) is found only by a fresh read: the alarm's recheck.
			state.storage.sql.exec("INSERT INTO outbox (kind, target, stream_position, payload, created_ts, next_attempt_ts) VALUES ('poke', '@b:x', 3, NULL, ?, ?)", now, now);
			calls.length = 0;
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([]);
			outbox.recheck();
			await drainOutbox(outbox, deliver, () => now);
			expect(calls).toEqual([["@b:x", 3, null]]);
			outbox.settleDelivered();
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toEqual([]);
		});
	});

	it("caps the backoff at ten minutes", () => {
		expect(backoffMs(0)).toBe(1_000);
		expect(backoffMs(3)).toBe(8_000);
		expect(backoffMs(50)).toBe(600_000);
	});

	it("hands each federation row off once: a delivered row is skipped until settled, a failed one kept with backoff", async () => {
		await runInDurableObject(env.ROOM.getByName("!outbox-fed:example.org"), async (_i: RoomDO, state) => {
			const outbox = new OutboxStore(state.storage.sql);
			const now = 1_000_000;
			outbox.addFederation("$a", 1, ["one.example"], now);
			outbox.addFederation("$b", 2, ["one.example", "two.example"], now);
			const handed: string[] = [];
			let failing = "$b";
			const deliver = async (eventId: string) => {
				if (eventId === failing) throw new Error("destination down");
				handed.push(eventId);
			};
			await drainFederation(outbox, (id) => `{"event_id":"${id}"}`, deliver, () => now);
			expect(handed).toEqual(["$a"]);
			// $a waits, delivered, for a commit; $b backs off. Neither is due now, nor handed off again.
			expect(state.storage.sql.exec("SELECT id FROM outbox").toArray()).toHaveLength(2);
			expect(outbox.hasUnsettled()).toBe(true);
			expect(outbox.nextDue(now)).toBe(now + backoffMs(0));
			await drainFederation(outbox, (id) => `{"event_id":"${id}"}`, deliver, () => now);
			expect(handed).toEqual(["$a"]);
			// Settling deletes the delivered row only: the failed one is never lost.
			outbox.settleDelivered();
			expect(state.storage.sql.exec<{ target: string; attempts: number }>("SELECT target, attempts FROM outbox").toArray().map((r) => ({ ...r }))).toEqual([
				{ target: "$b", attempts: 1 },
			]);
			failing = "";
			await drainFederation(outbox, (id) => `{"event_id":"${id}"}`, deliver, () => now + backoffMs(0));
			expect(handed).toEqual(["$a", "$b"]);
			outbox.settleDelivered();
			expect(state.storage.sql.exec("SELECT * FROM outbox").toArray()).toEqual([]);
		});
	});
});
