// The UserDO keeps joined rooms' initial /sync answers while the rooms' pokes say nothing moved
// (user/sync/initial-slice-cache.ts). A repeat comes from memory; every change reaches the next initial
// sync once its poke has arrived: new events, state, membership (others' and the user's own), receipts,
// typing; and a different filter (limit, lazy-loading) is never answered with another filter's slice.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sync, type SyncBody, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
const R = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;

type Event = { type: string; state_key?: string; content: Record<string, unknown>; unsigned?: Record<string, unknown> };
const joined = (body: SyncBody) => body.rooms.join[roomId] as unknown as
	| { timeline: { events: Event[] }; state: { events: Event[] }; ephemeral: { events: Event[] }; summary: Record<string, unknown> }
	| undefined;
const lastEvent = (body: SyncBody) => joined(body)?.timeline.events.at(-1);

async function held(user: TestUser): Promise<number> {
	return runInDurableObject(env.USER.getByName(user.user_id), (instance: object) => (instance as { sync: { initialSlices: { size: number } } }).sync.initialSlices.size);
}

const say = async (user: TestUser, body: string) => {
	const res = await api(user, "PUT", R(`/send/m.room.message/${enc(body)}`), { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};

beforeAll(async () => {
	alice = await makeUser("sic-alice");
	bob = await makeUser("sic-bob");
	carol = await makeUser("sic-carol");
	roomId = await createRoom(alice, { preset: "private_chat", name: "Initial cache", invite: [bob.user_id, carol.user_id] });
	expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
	await say(bob, "hello");
	await syncUntil(alice, (b) => lastEvent(b)?.content.body === "hello");
});

describe("initial /sync from the UserDO's memory", () => {
	it("a repeat is answered from memory, the same but for current ages", async () => {
		const first = await sync(alice);
		expect(await held(alice)).toBeGreaterThan(0);
		const count = await held(alice);
		const second = await sync(alice);
		expect(await held(alice)).toBe(count);
		const strip = (b: SyncBody) => JSON.stringify(b.rooms.join[roomId], (k, v: unknown) => (k === "age" ? 0 : v));
		expect(strip(second.body)).toBe(strip(first.body));
		expect(second.body.next_batch).toBe(first.body.next_batch);
	});

	it("a new event, a state change and another member's join reach the next initial sync", async () => {
		await sync(alice);
		await say(bob, "news");
		await syncUntil(alice, (b) => lastEvent(b)?.content.body === "news");
		expect((await api(alice, "PUT", R("/state/m.room.topic/"), { topic: "changed" })).status).toBe(200);
		await syncUntil(alice, (b) => lastEvent(b)?.type === "m.room.topic");
		expect((await api(carol, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
		const withCarol = await syncUntil(alice, (b) => joined(b)?.summary["m.joined_member_count"] === 3);
		expect(lastEvent(withCarol.body)).toMatchObject({ type: "m.room.member", state_key: carol.user_id });
	});

	it("a receipt and typing reach the next initial sync", async () => {
		const eventId = await say(alice, "read me");
		await syncUntil(bob, (b) => lastEvent(b)?.content.body === "read me");
		await sync(bob);
		expect((await api(alice, "POST", R(`/receipt/m.read/${enc(eventId)}`), {})).status).toBe(200);
		const ephemeral = (b: SyncBody) => joined(b)?.ephemeral.events ?? [];
		await syncUntil(bob, (b) => ephemeral(b).some((e) => e.type === "m.receipt" && e.content[eventId] !== undefined));
		expect((await api(alice, "PUT", R(`/typing/${enc(alice.user_id)}`), { typing: true, timeout: 30_000 })).status).toBe(200);
		await syncUntil(bob, (b) => ephemeral(b).some((e) => e.type === "m.typing" && JSON.stringify(e.content.user_ids) === JSON.stringify([alice.user_id])));
		expect((await api(alice, "PUT", R(`/typing/${enc(alice.user_id)}`), { typing: false })).status).toBe(200);
		await syncUntil(bob, (b) => !ephemeral(b).some((e) => e.type === "m.typing"));
	});

	it("another filter gets its own answer at once: timeline limit, lazy-loaded members", async () => {
		await say(carol, "from carol");
		await syncUntil(alice, (b) => lastEvent(b)?.content.body === "from carol");
		const full = await sync(alice);
		expect(joined(full.body)!.timeline.events.length).toBeGreaterThan(1);
		const one = await sync(alice, { filter: JSON.stringify({ room: { timeline: { limit: 1 } } }) });
		expect(joined(one.body)!.timeline.events.map((e) => e.content.body)).toEqual(["from carol"]);
		const lazy = await sync(alice, { filter: JSON.stringify({ room: { timeline: { limit: 1 }, state: { lazy_load_members: true } } }) });
		const members = joined(lazy.body)!.state.events.filter((e) => e.type === "m.room.member").map((e) => e.state_key).sort();
		expect(members).toEqual([alice.user_id, carol.user_id].sort());
		const unfiltered = (await sync(alice, { filter: JSON.stringify({ room: { timeline: { limit: 1 } } }) })).body;
		expect(joined(unfiltered)!.state.events.filter((e) => e.type === "m.room.member").length).toBe(3);
	});

	it("the user's own leave is not answered from memory: the room leaves the join section", async () => {
		expect((await api(carol, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
		await syncUntil(carol, (b) => b.rooms.join[roomId] !== undefined);
		await sync(carol);
		expect(await held(carol)).toBeGreaterThan(0);
		expect((await api(carol, "POST", R("/leave"), {})).status).toBe(200);
		const after = await syncUntil(carol, (b) => b.rooms.join[roomId] === undefined);
		expect(after.body.rooms.invite[roomId]).toBeUndefined();
	});
});
