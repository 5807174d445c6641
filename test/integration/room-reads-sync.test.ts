// The room side of /sync (RoomDO.getSyncSliceJson): timeline slices with correct limited/prev_batch that
// end with the newest event, state deltas, lazy-loaded members, use_state_after, invite stripped state
// (with m.room.encryption) and a leave that ends the timeline.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { SyncSlice, SyncSliceRequest } from "../../src/worker/room/api";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;

const R = (room: string) => `/_matrix/client/v3/rooms/${enc(room)}`;
const say = async (user: TestUser, body: string, room = roomId): Promise<string> => {
	const res = await api(user, "PUT", `${R(room)}/send/m.room.message/${enc(body)}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};

async function slice(user: TestUser, over: Partial<SyncSliceRequest> = {}, room = roomId): Promise<SyncSlice> {
	const request = { user_id: user.user_id, device_id: user.device_id, since: null, timeline_limit: 10, full_state: false, lazy_load_members: false, use_state_after: false, ...over };
	const result = await env.ROOM.getByName(room).getSyncSliceJson(request);
	if (!result.ok) throw new Error(result.error);
	return JSON.parse(result.value) as SyncSlice;
}

beforeAll(async () => {
	alice = await makeUser("sync-alice");
	bob = await makeUser("sync-bob");
	roomId = await createRoom(alice, { name: "Sync room" });
});

describe("getSyncSlice for a joined member", () => {
	it("initial: a limited timeline ending with the newest event, prev_batch before it, full state at its start", async () => {
		for (let i = 0; i < 6; i++) await say(alice, `s${i}`);
		const s = await slice(alice, { timeline_limit: 3 });
		expect(s.membership).toBe("join");
		expect(s.timeline.map((e) => e.content.body)).toEqual(["s3", "s4", "s5"]);
		expect(s.limited).toBe(true);
		expect(s.timeline.every((e) => e.room_id === undefined)).toBe(true);
		const info = await env.ROOM.getByName(roomId).getRoomInfo();
		expect(s.position).toBe(info!.stream_position);
		// prev_batch pages back from just before the timeline: the next older event is s2.
		const back = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=1&from=${s.prev_batch}`);
		expect((back.body.chunk as { content: { body: string } }[])[0]!.content.body).toBe("s2");
		const types = s.state.map((e) => e.type);
		for (const t of ["m.room.create", "m.room.member", "m.room.power_levels", "m.room.encryption", "m.room.name"]) expect(types).toContain(t);
		expect(s.summary).toMatchObject({ "m.joined_member_count": 1, "m.invited_member_count": 0 });
	});

	it("incremental: only what came after since, not limited, no state delta; a state change shows up as state when it falls in the gap", async () => {
		const s0 = await slice(alice);
		await say(alice, "after-1");
		await say(alice, "after-2");
		const s1 = await slice(alice, { since: s0.position });
		expect(s1.timeline.map((e) => e.content.body)).toEqual(["after-1", "after-2"]);
		expect(s1.limited).toBe(false);
		expect(s1.state).toEqual([]);
		// Own events carry the txn ID for the sending device.
		expect(s1.timeline[0]!.unsigned).toMatchObject({ transaction_id: "after-1" });
		// A topic change then three messages, read with limit 2: the topic is in the gap, so it is state.
		expect((await api(alice, "PUT", `${R(roomId)}/state/m.room.topic/`, { topic: "new topic" })).status).toBe(200);
		for (const b of ["g1", "g2", "g3"]) await say(alice, b);
		const s2 = await slice(alice, { since: s1.position, timeline_limit: 2 });
		expect(s2.limited).toBe(true);
		expect(s2.timeline.map((e) => e.content.body)).toEqual(["g2", "g3"]);
		expect(s2.state.map((e) => e.type)).toEqual(["m.room.topic"]);
		// Nothing new: an empty, unlimited slice at the same position.
		const s3 = await slice(alice, { since: s2.position });
		expect(s3).toMatchObject({ timeline: [], limited: false, state: [], position: s2.position });
	});

	it("use_state_after: state is the state at the end of the timeline, including state events in it", async () => {
		const s0 = await slice(alice);
		expect((await api(alice, "PUT", `${R(roomId)}/state/m.room.name/`, { name: "Renamed" })).status).toBe(200);
		const s1 = await slice(alice, { since: s0.position, use_state_after: true });
		expect(s1.timeline.map((e) => e.type)).toEqual(["m.room.name"]);
		expect(s1.state).toHaveLength(1);
		expect(s1.state[0]).toMatchObject({ type: "m.room.name", content: { name: "Renamed" } });
		// State events in the timeline carry what they replaced.
		expect(s1.timeline[0]!.unsigned).toMatchObject({ prev_content: { name: "Sync room" } });
	});
});

describe("invites, lazy loading and leaving", () => {
	it("an invitee gets stripped state with m.room.encryption and their invite, and no timeline", async () => {
		expect((await api(alice, "POST", `${R(roomId)}/invite`, { user_id: bob.user_id })).status).toBe(200);
		const s = await slice(bob);
		expect(s.membership).toBe("invite");
		expect(s.timeline).toEqual([]);
		const stripped = s.stripped_state!;
		expect(stripped.find((e) => e.type === "m.room.encryption")).toMatchObject({ state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } });
		expect(stripped.find((e) => e.type === "m.room.member")).toMatchObject({ state_key: bob.user_id, sender: alice.user_id, content: { membership: "invite" } });
		expect(stripped.find((e) => e.type === "m.room.name")).toMatchObject({ content: { name: "Renamed" } });
		// Nothing beyond the spec's stripped set: no power levels, nobody else's membership.
		expect(stripped.some((e) => e.type === "m.room.power_levels" || (e.type === "m.room.member" && e.state_key !== bob.user_id))).toBe(false);
	});

	it("after joining by invite: full state including m.room.encryption; lazy loading keeps only timeline senders and self", async () => {
		const invited = await slice(bob);
		expect((await api(bob, "POST", `${R(roomId)}/join`, {})).status).toBe(200);
		// An incremental sync from the invite: the room is new to bob's timeline, so the state is complete.
		const joined = await slice(bob, { since: invited.position });
		expect(joined.membership).toBe("join");
		for (const t of ["m.room.create", "m.room.encryption", "m.room.power_levels"]) expect(joined.state.map((e) => e.type)).toContain(t);
		await say(bob, "bob says hi");
		const full = await slice(bob, { timeline_limit: 1 });
		expect(full.membership).toBe("join");
		expect(full.state.some((e) => e.type === "m.room.encryption")).toBe(true);
		const lazy = await slice(bob, { timeline_limit: 1, lazy_load_members: true });
		expect(lazy.timeline.map((e) => e.sender)).toEqual([bob.user_id]);
		expect(lazy.state.filter((e) => e.type === "m.room.member").map((e) => e.state_key)).toEqual([bob.user_id]);
		const aliceLazy = await slice(alice, { timeline_limit: 1, lazy_load_members: true });
		expect(aliceLazy.state.filter((e) => e.type === "m.room.member").map((e) => e.state_key).sort()).toEqual([alice.user_id, bob.user_id].sort());
		expect(full.summary).toMatchObject({ "m.heroes": [alice.user_id], "m.joined_member_count": 2 });
	});

	it("a leave ends the timeline at the leave event; later events are not shown", async () => {
		const before = await slice(bob);
		expect((await api(bob, "POST", `${R(roomId)}/leave`, {})).status).toBe(200);
		await say(alice, "after bob left");
		const s = await slice(bob, { since: before.position });
		expect(s.membership).toBe("leave");
		expect(s.timeline.at(-1)).toMatchObject({ type: "m.room.member", state_key: bob.user_id, content: { membership: "leave" } });
		expect(s.timeline.some((e) => e.content.body === "after bob left")).toBe(false);
	});

	it("someone never in the room gets membership null and nothing else", async () => {
		const carol = await makeUser("sync-carol");
		const s = await slice(carol);
		expect(s).toMatchObject({ membership: null, timeline: [], state: [] });
	});
});
