// A room outbox's poke (UserDO.pokeSoon, user/sync/pending-pokes.ts) is logged in batches: the pokes of
// one short window go into the room_stream log in one commit, each answer says what the log held when it
// left, a repeated ask about a pending position writes the batch at once and answers after it, and a poke
// lost with the object before its batch is logged when the room asks again.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeUser, type TestUser } from "./rooms-helpers";
import { sleep } from "./sync-helpers";

let bob: TestUser;
const user = () => env.USER.getByName(bob.user_id);

/** The positions logged for `roomId`, oldest first. */
function logged(roomId: string): Promise<number[]> {
	return runInDurableObject(user(), (_i: object, state: DurableObjectState) =>
		state.storage.sql.exec<{ position: number }>("SELECT position FROM room_stream WHERE room_id = ? AND kind = 'timeline' ORDER BY seq", roomId).toArray().map((r) => r.position),
	);
}

/** Counts the UserDO's write transactions while `run` runs. */
async function countTransactions(run: () => Promise<void>): Promise<number> {
	let count = 0;
	const restore = await runInDurableObject(user(), (_i: object, state: DurableObjectState) => {
		const storage = state.storage;
		const original = storage.transactionSync;
		storage.transactionSync = ((fn: () => unknown) => {
			count++;
			return original.call(storage, fn);
		}) as typeof storage.transactionSync;
		return () => {
			storage.transactionSync = original;
		};
	});
	try {
		await run();
	} finally {
		await runInDurableObject(user(), () => restore());
	}
	return count;
}

beforeAll(async () => {
	bob = await makeUser("pokebatch-bob");
});

describe("pokeSoon", () => {
	it("logs the pokes of one window in one commit and answers what the log held", async () => {
		const rooms = ["!b1:example.org", "!b2:example.org", "!b3:example.org"];
		const commits = await countTransactions(async () => {
			// Nothing logged yet: each answer is null, and the positions are not in the log when it comes.
			const answers = await Promise.all(rooms.map((r, i) => user().pokeSoon(r, 10 + i)));
			expect(answers).toEqual([null, null, null]);
			expect(await logged(rooms[0]!)).toEqual([]);
			// A later poke of the same room raises the pending entry: one row, the newest position.
			expect(await user().pokeSoon(rooms[0]!, 20)).toBeNull();
			await sleep(200);
		});
		expect(commits).toBe(1);
		expect(await logged(rooms[0]!)).toEqual([20]);
		expect(await logged(rooms[1]!)).toEqual([11]);
		expect(await logged(rooms[2]!)).toEqual([12]);
		// Now the answer covers the pokes: the room may drop their rows.
		expect(await user().pokeSoon(rooms[0]!, 20)).toBe(20);
		expect(await user().pokeSoon(rooms[1]!, 5)).toBe(11);
	});

	it("asked again about a pending position, writes it at once and answers after it", async () => {
		const room = "!again:example.org";
		expect(await user().pokeSoon(room, 7)).toBeNull();
		const t0 = Date.now();
		expect(await user().pokeSoon(room, 7)).toBe(7);
		expect(Date.now() - t0).toBeLessThan(45);
		expect(await logged(room)).toEqual([7]);
	});

	it("a poke lost with the object before its batch is logged when the room asks again", async () => {
		const room = "!lost:example.org";
		expect(await user().pokeSoon(room, 3)).toBeNull();
		await evictDurableObject(user());
		expect(await logged(room)).toEqual([]);
		// The room's rows are still there (the answer did not cover them), so it asks again.
		expect(await user().pokeSoon(room, 3)).toBeNull();
		await sleep(200);
		expect(await user().pokeSoon(room, 3)).toBe(3);
		expect(await logged(room)).toEqual([3]);
	});

	it("refuses nonsense without logging anything", async () => {
		expect(await user().pokeSoon("!bad:example.org", -1)).toBeNull();
		expect(await user().pokeSoon("!bad:example.org", 1.5)).toBeNull();
		await sleep(100);
		expect(await logged("!bad:example.org")).toEqual([]);
	});
});
