// The RoomDO remembers initial /sync slices (room/sync-slice-cache.ts) until its storage changes. A repeat
// is served from memory (with fresh `unsigned.age`), and every kind of change shows up in the next answer:
// a new event, a state change, a membership change, a receipt, typing, and any change to the request
// (filter limit, lazy-loading, device, push rules).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { rulesDigest } from "../../src/protocol/push/unread";
import type { ClientEvent, SyncSlice, SyncSliceRequest } from "../../src/worker/room/api";
import type { EphemeralSlice } from "../../src/worker/user/sync/types";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sleep } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
const R = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;

type Both = { slice: SyncSlice; ephemeral: EphemeralSlice | null };

function request(user: TestUser, over: Partial<SyncSliceRequest & { device_id: string }> = {}): SyncSliceRequest & { device_id: string } {
	return { user_id: user.user_id, device_id: user.device_id, since: null, timeline_limit: 5, full_state: false, lazy_load_members: false, use_state_after: false, ...over };
}

async function initial(user: TestUser, over: Partial<SyncSliceRequest & { device_id: string }> = {}): Promise<Both> {
	const result = await env.ROOM.getByName(roomId).getSyncSliceWithEphemeralJson(request(user, over));
	if (!result.ok) throw new Error(result.error);
	return JSON.parse(result.value) as Both;
}

/** How many answers the room holds in memory. */
async function cached(): Promise<number> {
	return runInDurableObject(env.ROOM.getByName(roomId), (instance: object) => (instance as { syncSlices: { size: number } }).syncSlices.size);
}

const say = async (user: TestUser, body: string) => {
	const res = await api(user, "PUT", R(`/send/m.room.message/${enc(body)}`), { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};
const bodies = (events: ClientEvent[]) => events.map((e) => e.content.body).filter((b) => b !== undefined);
const stateOf = (b: Both, type: string, key = "") => b.slice.state.find((e) => e.type === type && e.state_key === key);

beforeAll(async () => {
	alice = await makeUser("ssc-alice");
	bob = await makeUser("ssc-bob");
	roomId = await createRoom(alice, { preset: "private_chat", name: "Cache room", invite: [bob.user_id] });
	expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
	await say(alice, "m1");
});

describe("initial sync slice cache", () => {
	it("a repeat is served from memory, equal except for a fresh age", async () => {
		const first = await initial(alice);
		const held = await cached();
		expect(held).toBeGreaterThan(0);
		await sleep(15);
		const second = await initial(alice);
		// Same request, nothing changed: no new entry was computed.
		expect(await cached()).toBe(held);
		const strip = (b: Both) => JSON.stringify(b, (k, v: unknown) => (k === "age" ? 0 : v));
		expect(strip(second)).toBe(strip(first));
		const age = (b: Both) => b.slice.timeline.at(-1)!.unsigned!.age as number;
		expect(age(second)).toBeGreaterThanOrEqual(age(first) + 10);
	});

	it("a new event is in the next answer", async () => {
		await initial(alice);
		await say(bob, "m2");
		expect(bodies((await initial(alice)).slice.timeline).at(-1)).toBe("m2");
	});

	it("a state change is in the next answer's timeline and its state after use_state_after", async () => {
		await initial(alice);
		await initial(alice, { use_state_after: true });
		expect((await api(alice, "PUT", R("/state/m.room.topic/"), { topic: "fresh topic" })).status).toBe(200);
		expect((await initial(alice)).slice.timeline.at(-1)).toMatchObject({ type: "m.room.topic", content: { topic: "fresh topic" } });
		expect(stateOf(await initial(alice, { use_state_after: true }), "m.room.topic")?.content).toEqual({ topic: "fresh topic" });
	});

	it("a membership change: the member leaves, their next answer is a leave, the others see it and the count drops", async () => {
		const before = await initial(alice);
		expect(before.slice.summary).toMatchObject({ "m.joined_member_count": 2 });
		await initial(bob);
		expect((await api(bob, "POST", R("/leave"), {})).status).toBe(200);
		const bobs = await initial(bob);
		expect(bobs.slice.membership).toBe("leave");
		expect(bobs.ephemeral).toBeNull();
		const after = await initial(alice);
		expect(after.slice.summary).toMatchObject({ "m.joined_member_count": 1 });
		expect(after.slice.timeline.at(-1)).toMatchObject({ type: "m.room.member", state_key: bob.user_id, content: { membership: "leave" } });
		// Back in, for the tests below.
		expect((await api(alice, "POST", R("/invite"), { user_id: bob.user_id })).status).toBe(200);
		expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
		expect((await initial(bob)).slice.membership).toBe("join");
	});

	it("a receipt and typing are in the next answer, and so are the unread counts they move", async () => {
		const rules = await env.USER.getByName(alice.user_id).getPushRulesJson();
		expect(rules).not.toBeNull();
		const digest = rulesDigest({ global: JSON.parse(rules!) })!;
		const last = await say(bob, "unread for alice");
		const unread = (b: Both) => b.slice.unread_notifications?.notification_count;
		const before = await initial(alice, { push_rules: digest });
		expect(unread(before)).toBeGreaterThan(0);
		expect(before.ephemeral?.typing).toEqual([]);

		expect((await api(alice, "POST", R(`/receipt/m.read/${enc(last)}`), {})).status).toBe(200);
		const read = await initial(alice, { push_rules: digest });
		expect(read.ephemeral?.receipts?.[last]).toMatchObject({ "m.read": { [alice.user_id]: {} } });
		expect(unread(read)).toBe(0);

		expect((await api(bob, "PUT", R(`/typing/${enc(bob.user_id)}`), { typing: true, timeout: 30_000 })).status).toBe(200);
		expect((await initial(alice, { push_rules: digest })).ephemeral?.typing).toEqual([bob.user_id]);
		expect((await api(bob, "PUT", R(`/typing/${enc(bob.user_id)}`), { typing: false })).status).toBe(200);
		expect((await initial(alice, { push_rules: digest })).ephemeral?.typing).toEqual([]);
	});

	it("a different request (limit, lazy loading, device) is its own answer", async () => {
		await say(bob, "k1");
		await say(alice, "k2");
		const wide = await initial(alice, { timeline_limit: 5 });
		const narrow = await initial(alice, { timeline_limit: 1 });
		expect(wide.slice.timeline).toHaveLength(5);
		expect(bodies(narrow.slice.timeline)).toEqual(["k2"]);
		expect(narrow.slice.limited).toBe(true);

		// Lazy loading: only the timeline's senders' member events, where the full answer has every member.
		const full = await initial(alice, { timeline_limit: 1 });
		const lazy = await initial(alice, { timeline_limit: 1, lazy_load_members: true });
		expect(stateOf(full, "m.room.member", bob.user_id)).toBeDefined();
		expect(stateOf(lazy, "m.room.member", bob.user_id)).toBeUndefined();
		expect(stateOf(lazy, "m.room.member", alice.user_id)).toBeDefined();

		// The sending device sees its transaction ID; another device of the same user does not.
		const own = await initial(alice, { timeline_limit: 1 });
		const other = await initial(alice, { timeline_limit: 1, device_id: "OTHERDEVICE" });
		expect(own.slice.timeline[0]!.unsigned).toMatchObject({ transaction_id: "k2" });
		expect(other.slice.timeline[0]!.unsigned?.transaction_id).toBeUndefined();
	});

	it("a redaction (the room's first) is in the next answer: content gone, redacted_because set", async () => {
		const target = await say(bob, "to be redacted");
		const before = await initial(alice);
		expect(before.slice.timeline.find((e) => e.event_id === target)?.content.body).toBe("to be redacted");
		const res = await api(bob, "PUT", R(`/redact/${enc(target)}/ssc-redact-1`), { reason: "oops" });
		expect(res.status).toBe(200);
		const after = (await initial(alice)).slice.timeline.find((e) => e.event_id === target);
		expect(after?.content).toEqual({});
		expect(after?.unsigned?.redacted_because).toMatchObject({ event_id: res.body.event_id, type: "m.room.redaction" });
	});

	it("incremental slices are not kept", async () => {
		const base = await initial(alice);
		const held = await cached();
		const result = await env.ROOM.getByName(roomId).getSyncSliceJson(request(alice, { since: base.slice.position }));
		expect(result.ok).toBe(true);
		expect(await cached()).toBe(held);
	});
});
