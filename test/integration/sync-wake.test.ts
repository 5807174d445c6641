// A room's poke wakes a waiting long-poll before it is logged (user/sync/pending-pokes.ts): the woken
// /sync asks the room for its slice and answers, with the position ahead of the log in its token, before
// the poke's commit could hold either at the UserDO's output gate. The poke still resolves only once logged.
// Woken syncs show each new event once: with sends racing the long-polls, with pokes arriving while a sync
// is fetching, with repeated pokes, and when a poke's log was lost and the room pokes again.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sleep, sync, type SyncBody, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;

type Event = { event_id: string; type: string; content: Record<string, unknown> };
const timeline = (body: SyncBody): Event[] => (body.rooms.join[roomId]?.timeline?.events ?? []) as unknown as Event[];

const say = async (body: string) => {
	const res = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${enc(body)}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};

/** Bob's token once he has seen `eventId`. */
async function caughtUp(eventId: string): Promise<string> {
	return (await syncUntil(bob, (b) => timeline(b).some((e) => e.event_id === eventId))).body.next_batch;
}

type UserInternals = { sync: { host: { room(roomId: string): object } } };

/**
 * Records, in order, when Bob's UserDO asks a room for a slice and when it writes a room_stream row,
 * while `run` runs.
 */
async function recordOrder(run: (order: string[]) => Promise<void>): Promise<string[]> {
	const order: string[] = [];
	const restore = await runInDurableObject(env.USER.getByName(bob.user_id), (instance: object, state: DurableObjectState) => {
		const host = (instance as UserInternals).sync.host;
		const room = host.room;
		const sql = state.storage.sql;
		const exec = sql.exec;
		sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
			if (query.startsWith("INSERT INTO room_stream")) order.push("log");
			return exec.call(sql, query, ...bindings);
		}) as typeof sql.exec;
		host.room = (id: string) => {
			const stub = room(id) as Record<string, (...args: unknown[]) => unknown>;
			return {
				getSyncSliceJson: (...args: unknown[]) => (order.push("slice"), stub.getSyncSliceJson!(...args)),
				getSyncSliceWithEphemeralJson: (...args: unknown[]) => (order.push("slice"), stub.getSyncSliceWithEphemeralJson!(...args)),
				getEphemeralJson: (...args: unknown[]) => stub.getEphemeralJson!(...args),
			};
		};
		return () => {
			sql.exec = exec;
			host.room = room;
		};
	});
	try {
		await run(order);
	} finally {
		await runInDurableObject(env.USER.getByName(bob.user_id), () => restore());
	}
	return order;
}

beforeAll(async () => {
	alice = await makeUser("swk-alice");
	bob = await makeUser("swk-bob");
	roomId = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
	expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
});

describe("a poke wakes a waiting long-poll", () => {
	it("the woken sync asks the room and answers before the poke is logged; its token shows the position ahead", async () => {
		let since = await caughtUp(await say("before"));
		// Settle: Bob's own pokes for "before" are logged and nothing is pending.
		since = (await sync(bob, { since, timeout: 0 })).body.next_batch;
		let woken: SyncBody | undefined;
		let eventId = "";
		const order = await recordOrder(async (seen) => {
			const poll = sync(bob, { since, timeout: 5000 });
			await sleep(100); // let the long-poll park
			eventId = await say("wake");
			const res = await poll;
			expect(res.status).toBe(200);
			woken = res.body;
			// The poke logs a moment after the answer.
			for (let i = 0; i < 50 && !seen.includes("log"); i++) await sleep(20);
		});
		expect(timeline(woken!).map((e) => e.event_id)).toEqual([eventId]);
		// One slice request, then one row: the poke's, written after the answer (the sync wrote none).
		expect(order).toEqual(["slice", "log"]);
		expect(woken!.next_batch).toMatch(/_t\d+\.\d+$/);
		// The token covers the event: the next long-poll waits and sees nothing again, and once the log has the
		// position its token no longer carries it.
		const next = await sync(bob, { since: woken!.next_batch, timeout: 300 });
		expect(next.ms).toBeGreaterThanOrEqual(250);
		expect(timeline(next.body)).toEqual([]);
		expect(next.body.next_batch).toMatch(/^s\d+_\d+_\d+$/);
	});

	it("a poke whose log was lost comes again and is not shown twice", async () => {
		let since = await caughtUp(await say("lost-before"));
		since = (await sync(bob, { since, timeout: 0 })).body.next_batch;
		const poll = sync(bob, { since, timeout: 5000 });
		await sleep(100);
		const eventId = await say("lost");
		const woken = (await poll).body;
		expect(timeline(woken).map((e) => e.event_id)).toEqual([eventId]);
		expect(woken.next_batch).toMatch(/_t\d+\.\d+$/);
		const user = env.USER.getByName(bob.user_id);
		// As if the object had stopped before the poke's commit: its row and seq were never written.
		await sleep(200);
		const lost = await runInDurableObject(user, (_i: object, state: DurableObjectState) => {
			const sql = state.storage.sql;
			const row = sql.exec<{ seq: number; position: number }>("SELECT seq, position FROM room_stream WHERE room_id = ? AND kind = 'timeline' ORDER BY seq DESC LIMIT 1", roomId).one();
			expect(sql.exec<{ seq: number }>("SELECT seq FROM user_stream").one().seq).toBe(row.seq);
			sql.exec("DELETE FROM room_stream WHERE seq = ?", row.seq);
			sql.exec("UPDATE user_stream SET seq = seq - 1");
			return row;
		});
		// The room's retry.
		await user.poke(roomId, lost.position);
		const next = await sync(bob, { since: woken.next_batch, timeout: 300 });
		expect(next.status).toBe(200);
		expect(timeline(next.body)).toEqual([]);
		expect(next.ms).toBeGreaterThanOrEqual(250);
	});

	it("refuses a token whose ahead position names no room", async () => {
		const since = (await sync(bob, { timeout: 0 })).body.next_batch;
		const [user] = /^s(\d+)/.exec(since)!.slice(1);
		const res = await sync(bob, { since: `${since}_t${Number(user) + 5}.3`, timeout: 0 });
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ errcode: "M_INVALID_PARAM" });
	});

	it("sends racing the long-polls: every event once, in order", async () => {
		let since = await caughtUp(await say("start"));
		since = (await sync(bob, { since, timeout: 0 })).body.next_batch;
		const seen: string[] = [];
		let stop = false;
		const poller = (async () => {
			const deadline = Date.now() + 20_000;
			while (!stop && Date.now() < deadline) {
				const res = await sync(bob, { since, timeout: 1000 });
				expect(res.status).toBe(200);
				for (const e of timeline(res.body)) if (e.type === "m.room.message") seen.push(e.event_id);
				since = res.body.next_batch;
			}
		})();
		const sent: string[] = [];
		for (let batch = 0; batch < 4; batch++) {
			// Three in flight at once, then a pause so some land on a parked poll and some on a running one.
			const ids = await Promise.all([0, 1, 2].map((i) => say(`race ${batch}.${i}`)));
			sent.push(...ids);
			await sleep(batch % 2 === 0 ? 0 : 60);
		}
		const deadline = Date.now() + 10_000;
		while (seen.length < sent.length && Date.now() < deadline) await sleep(50);
		stop = true;
		await poller;
		expect(new Set(seen).size).toBe(seen.length);
		expect([...seen].sort()).toEqual([...sent].sort());
		// The order of /messages (the room's order) is the order the syncs showed.
		const messages = await api(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=50`);
		const roomOrder = (messages.body.chunk as Event[]).map((e) => e.event_id).reverse().filter((id) => sent.includes(id));
		expect(seen).toEqual(roomOrder);
	});

	it("repeated and stale pokes of a pending position log it once and resolve once it is logged", async () => {
		let since = await caughtUp(await say("repeat"));
		since = (await sync(bob, { since, timeout: 0 })).body.next_batch;
		const user = env.USER.getByName(bob.user_id);
		const rows = async () =>
			runInDurableObject(user, (_i: object, state: DurableObjectState) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM room_stream").one().n);
		const before = await rows();
		const poll = sync(bob, { since, timeout: 5000 });
		await sleep(100);
		// The room itself pokes Bob for this send too; these race it with the same position and older ones.
		const eventId = await say("poked");
		const position = (await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position;
		await Promise.all([user.poke(roomId, position), user.poke(roomId, position), user.poke(roomId, position - 1)]);
		const res = await poll;
		expect(timeline(res.body).map((e) => e.event_id)).toEqual([eventId]);
		// One row for the send (its timeline poke), whichever poke or sync logged it.
		expect(await rows()).toBe(before + 1);
		const next = await sync(bob, { since: res.body.next_batch, timeout: 300 });
		expect(timeline(next.body)).toEqual([]);
	});
});
