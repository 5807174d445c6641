// The RoomDO drain's bookkeeping (room/room-drain.ts): a message's drain delivers its pokes without a
// commit of its own; the delivered rows and the index cursor are written by the room's next commit or by the
// safety-net alarm, which stays armed while any waits. An object lost before that delivers again on waking,
// harmlessly: no event reaches /sync twice, the newest membership stays in the D1 index, and the D1 event
// index ends complete.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { RoomDO } from "../../src/worker/room/room-do";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { type SyncBody, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;

const room = () => env.ROOM.getByName(roomId);

async function send(body: string): Promise<string> {
	const res = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${crypto.randomUUID()}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
}

/** Waits for the room's running drain, if any: its deliveries are then marked, not in flight. */
function drainDone(): Promise<void> {
	return runInDurableObject(room(), (instance: RoomDO) => instance["drainer"].idle());
}

/**
 * Waits until every poke the room handed off is known to be logged: a UserDO logs pokes in batches after
 * answering, and the room asks again (outbox-drain.ts CONFIRM_AFTER_MS) until an answer covers them.
 */
async function pokesLogged(): Promise<void> {
	for (let i = 0; i < 100; i++) {
		await drainDone();
		if (await runInDurableObject(room(), (instance: RoomDO) => instance["outbox"].nextAsk() === null)) return;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error("pokes not logged within 2 s");
}

function timelineIds(body: SyncBody): string[] {
	const joined = body.rooms.join[roomId] as { timeline?: { events: { event_id: string }[] } } | undefined;
	return (joined?.timeline?.events ?? []).map((e) => e.event_id);
}

/** The room's outbox rows, its stored index cursor, its highest event rowid and its armed alarm. */
function roomBookkeeping() {
	return runInDurableObject(room(), async (_i: RoomDO, state) => ({
		outbox: state.storage.sql.exec<{ id: number; target: string }>("SELECT id, target FROM outbox ORDER BY id").toArray().map((r) => ({ ...r })),
		cursor: state.storage.sql.exec<{ last_rowid: number }>("SELECT last_rowid FROM event_index_cursor").one().last_rowid,
		maxRowid: state.storage.sql.exec<{ m: number }>("SELECT MAX(rowid) AS m FROM events").one().m,
		alarm: await state.storage.getAlarm(),
	}));
}

async function storedEventIds(): Promise<string[]> {
	return runInDurableObject(room(), (_i: RoomDO, state) =>
		state.storage.sql.exec<{ event_id: string }>("SELECT event_id FROM events ORDER BY event_id").toArray().map((r) => r.event_id),
	);
}

async function indexedEventIds(): Promise<string[]> {
	const { results } = await env.DB.prepare("SELECT event_id FROM event_rooms WHERE room_id = ?1 ORDER BY event_id").bind(roomId).all<{ event_id: string }>();
	return results.map((r) => r.event_id);
}

async function indexedMembership(userId: string): Promise<string | null> {
	const row = await env.DB.prepare("SELECT membership FROM room_memberships WHERE user_id = ?1 AND room_id = ?2").bind(userId, roomId).first<{ membership: string }>();
	return row?.membership ?? null;
}

beforeAll(async () => {
	alice = await makeUser("settlealice");
	bob = await makeUser("settlebob");
	roomId = await createRoom(alice, { preset: "public_chat" });
	expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
	// Everything so far delivered and settled: each test starts from an empty outbox and no alarm.
	await runDurableObjectAlarm(room());
});

describe("the drain's bookkeeping", () => {
	it("waits for the next commit or the alarm, which stays armed meanwhile", async () => {
		const start = await syncUntil(bob, () => true);
		const one = await send("one");
		// Delivered by the direct drain (no alarm ran): bob's /sync has it.
		const sawOne = await syncUntil(bob, (b) => timelineIds(b).includes(one), start.body.next_batch);
		// A poke wakes the long-poll before it is logged: wait until both pokes are known to be logged.
		await pokesLogged();
		const afterOne = await roomBookkeeping();
		// Still stored: one delivered poke row per member, the cursor unmoved, and the alarm that will settle them.
		expect(afterOne.outbox.map((r) => r.target).sort()).toEqual([alice.user_id, bob.user_id].sort());
		expect(afterOne.cursor).toBeLessThan(afterOne.maxRowid);
		expect(afterOne.alarm).not.toBeNull();

		const two = await send("two");
		await syncUntil(bob, (b) => timelineIds(b).includes(two), sawOne.body.next_batch);
		await pokesLogged();
		// Two's commit deleted one's delivered rows; two's own wait in turn.
		const afterTwo = await roomBookkeeping();
		expect(afterTwo.outbox).toHaveLength(2);
		expect(Math.min(...afterTwo.outbox.map((r) => r.id))).toBeGreaterThan(Math.max(...afterOne.outbox.map((r) => r.id)));

		// The alarm settles the rest and copies the events into the D1 index; then nothing waits.
		expect(await runDurableObjectAlarm(room())).toBe(true);
		const settled = await roomBookkeeping();
		expect(settled).toEqual({ outbox: [], cursor: settled.maxRowid, maxRowid: settled.maxRowid, alarm: null });
		expect(await indexedEventIds()).toEqual(await storedEventIds());
	});

	it("lost with the object, it is done again on waking: no event twice, the index complete", async () => {
		const start = await syncUntil(bob, () => true);
		const three = await send("three");
		const saw = await syncUntil(bob, (b) => timelineIds(b).includes(three), start.body.next_batch);
		await pokesLogged();
		const before = await roomBookkeeping();
		expect(before.outbox).toHaveLength(2);
		expect(before.alarm).not.toBeNull();

		await evictDurableObject(room());
		// The alarm survived the object: the new one delivers the rows again and copies the events.
		expect(await runDurableObjectAlarm(room())).toBe(true);
		const after = await roomBookkeeping();
		expect(after).toEqual({ outbox: [], cursor: after.maxRowid, maxRowid: after.maxRowid, alarm: null });
		expect(await indexedEventIds()).toEqual(await storedEventIds());
		// The repeated poke carried a position bob's UserDO already had: his /sync shows nothing new.
		const again = await api(bob, "GET", `/_matrix/client/v3/sync?since=${enc(saw.body.next_batch)}&timeout=0`);
		expect(again.status).toBe(200);
		expect(timelineIds(again.body as unknown as SyncBody)).toEqual([]);
	});

	it("a membership change delivered again after a loss leaves the newest membership in the D1 index", async () => {
		expect(await indexedMembership(bob.user_id)).toBe("join");
		expect((await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {})).status).toBe(200);
		await pokesLogged();
		expect(await indexedMembership(bob.user_id)).toBe("leave");
		// Bob's leave row (with the change) waits, delivered, for a commit or the alarm.
		expect((await roomBookkeeping()).outbox.map((r) => r.target).sort()).toEqual([alice.user_id, bob.user_id].sort());

		await evictDurableObject(room());
		expect(await runDurableObjectAlarm(room())).toBe(true);
		expect(await indexedMembership(bob.user_id)).toBe("leave");
		expect((await roomBookkeeping()).outbox).toEqual([]);
	});
});
