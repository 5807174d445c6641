// The D1 event → room index (room/event-index.ts) that GET /federation/v1/event reads: every stored event
// of a room reaches it after commits (a room with no remote member: by the safety-net alarm), a room from
// before the index catches up from its cursor, and a D1 failure moves nothing and asks for a retry.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { EventIndex } from "../../src/worker/room/event-index";
import type { RoomDO } from "../../src/worker/room/room-do";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sleep } from "./sync-helpers";

let alice: TestUser;
let roomId: string;

async function storedEventIds(): Promise<string[]> {
	return runInDurableObject(env.ROOM.getByName(roomId), (_i: RoomDO, state) =>
		state.storage.sql.exec<{ event_id: string }>("SELECT event_id FROM events ORDER BY event_id").toArray().map((r) => r.event_id),
	);
}

async function indexedEventIds(): Promise<string[]> {
	const { results } = await env.DB.prepare("SELECT event_id FROM event_rooms WHERE room_id = ?1 ORDER BY event_id").bind(roomId).all<{ event_id: string }>();
	return results.map((r) => r.event_id);
}

/**
 * The room's events once the index holds them all. A room with no remote member is copied by its alarm, not
 * after every commit: run it now (it is armed while events wait), then wait (bounded) for the copy.
 */
async function indexCaughtUp(): Promise<string[]> {
	const stored = await storedEventIds();
	await runDurableObjectAlarm(env.ROOM.getByName(roomId));
	for (let i = 0; i < 100; i++) {
		if ((await indexedEventIds()).length === stored.length) break;
		await sleep(20);
	}
	return stored;
}

async function send(body: string): Promise<string> {
	const res = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${crypto.randomUUID()}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
}

function cursor(): Promise<number> {
	return runInDurableObject(env.ROOM.getByName(roomId), (_i: RoomDO, state) =>
		state.storage.sql.exec<{ last_rowid: number }>("SELECT last_rowid FROM event_index_cursor").one().last_rowid,
	);
}

beforeAll(async () => {
	alice = await makeUser("eventindexalice");
	roomId = await createRoom(alice, { preset: "public_chat" });
});

describe("event → room index", () => {
	it("holds every event of the room after its commits", async () => {
		// The alarm that createRoom armed has run: the next one comes 5 s after these sends.
		await runDurableObjectAlarm(env.ROOM.getByName(roomId));
		await send("one");
		const two = await send("two");
		// Local members only: the sends' drains leave the copy to the alarm (no D1 write per message).
		await sleep(100);
		expect(await indexedEventIds()).not.toContain(two);
		const stored = await indexCaughtUp();
		expect(stored.length).toBeGreaterThan(5);
		expect(await indexedEventIds()).toEqual(stored);
	});

	it("a room whose events predate the index catches up from its cursor on waking", async () => {
		await indexCaughtUp();
		await env.DB.prepare("DELETE FROM event_rooms WHERE room_id = ?1").bind(roomId).run();
		await runInDurableObject(env.ROOM.getByName(roomId), (_i: RoomDO, state) => state.storage.sql.exec("UPDATE event_index_cursor SET last_rowid = 0"));
		// The running object holds its cursor in memory: the stored one counts once it wakes again.
		await evictDurableObject(env.ROOM.getByName(roomId));
		await send("three");
		const stored = await indexCaughtUp();
		expect(await indexedEventIds()).toEqual(stored);
	});

	it("a failed D1 write moves no cursor and asks to run again; the next run copies the events", async () => {
		await indexCaughtUp();
		const before = await cursor();
		await runInDurableObject(env.ROOM.getByName(roomId), async (_i: RoomDO, state) => {
			// A new event row the drain has not copied yet, written straight to the room's table.
			state.storage.sql.exec(
				"INSERT INTO events (event_id, depth, type, sender, origin_server_ts, pdu, outlier, received_ts) VALUES (?, 1, 'm.room.message', ?, 0, '{}', 1, 0)",
				"$indextestoutlier",
				alice.user_id,
			);
			const failing = { prepare: env.DB.prepare.bind(env.DB), batch: () => Promise.reject(new Error("D1 unavailable")) } as unknown as D1Database;
			const now = Date.now();
			const index = new EventIndex(state.storage.sql);
			const retry = await index.copyNew(failing, roomId, () => now);
			expect(retry).toBeGreaterThan(now);
			index.settle();
		});
		expect(await cursor()).toBe(before);
		await runInDurableObject(env.ROOM.getByName(roomId), async (_i: RoomDO, state) => {
			const index = new EventIndex(state.storage.sql);
			expect(await index.copyNew(env.DB, roomId, Date.now)).toBeNull();
			// Copied, but the cursor moves only with a commit the room makes anyway (settle).
			expect(state.storage.sql.exec<{ last_rowid: number }>("SELECT last_rowid FROM event_index_cursor").one().last_rowid).toBe(before);
			index.settle();
		});
		expect(await cursor()).toBeGreaterThan(before);
		expect(await indexedEventIds()).toContain("$indextestoutlier");
	});
});
