// History visibility on every read: a non-member reads nothing (403), `joined` hides what came before the
// join, `shared` shows earlier history to whoever joined later, a former member stops at their leave, and
// a world-readable room is open to anyone.
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
const ids: Record<string, string> = {};

const R = (room: string) => `/_matrix/client/v3/rooms/${enc(room)}`;
const say = async (user: TestUser, body: string, room = roomId): Promise<string> => {
	const res = await api(user, "PUT", `${R(room)}/send/m.room.message/${enc(body + Math.random())}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};
const setVisibility = async (v: string, room = roomId) => {
	const res = await api(alice, "PUT", `${R(room)}/state/m.room.history_visibility/`, { history_visibility: v });
	expect(res.status).toBe(200);
};
const allMessages = async (user: TestUser, room = roomId) => {
	const res = await api(user, "GET", `${R(room)}/messages?dir=b&limit=100`);
	return res;
};
const bodies = (chunk: unknown): string[] =>
	(chunk as { type: string; content: { body?: string } }[]).filter((e) => e.type === "m.room.message").map((e) => e.content.body ?? "");

beforeAll(async () => {
	alice = await makeUser("vis-alice");
	bob = await makeUser("vis-bob");
	carol = await makeUser("vis-carol");
	roomId = await createRoom(alice, { preset: "private_chat" });
	ids.shared = await say(alice, "while shared");
	await setVisibility("joined");
	ids.beforeInvite = await say(alice, "joined, before invite");
	expect((await api(alice, "POST", `${R(roomId)}/invite`, { user_id: bob.user_id })).status).toBe(200);
	ids.whileInvited = await say(alice, "joined, bob invited");
	expect((await api(bob, "POST", `${R(roomId)}/join`, {})).status).toBe(200);
	ids.afterJoin = await say(alice, "after bob joined");
});

describe("a user who was never in the room", () => {
	it("reads nothing: every read answers 403 M_FORBIDDEN", async () => {
		for (const path of [
			`${R(roomId)}/messages?dir=b`,
			`${R(roomId)}/event/${enc(ids.afterJoin!)}`,
			`${R(roomId)}/context/${enc(ids.afterJoin!)}`,
			`${R(roomId)}/state`,
			`${R(roomId)}/state/m.room.create/`,
			`${R(roomId)}/members`,
			`${R(roomId)}/joined_members`,
		]) {
			const res = await api(carol, "GET", path);
			expect(res.status, path).toBe(403);
			expect(res.body.errcode, path).toBe("M_FORBIDDEN");
		}
	});
	it("gets 403 for a room that does not exist, and 400 for a malformed room ID", async () => {
		expect((await api(carol, "GET", `${R("!nothere:localhost")}/messages?dir=b`)).status).toBe(403);
		const bad = await api(carol, "GET", `${R("not-a-room")}/messages?dir=b`);
		expect(bad.status).toBe(400);
		expect(bad.body.errcode).toBe("M_INVALID_PARAM");
	});
});

describe("joined visibility", () => {
	it("hides events before the join, shows shared-era history and everything since the join", async () => {
		const res = await allMessages(bob);
		expect(res.status).toBe(200);
		expect(bodies(res.body.chunk)).toEqual(["after bob joined", "while shared"]);
		// The joiner sees their own join (membership after it allows it) but not the invite under `joined`.
		const own = (res.body.chunk as { type: string; state_key?: string; content: { membership?: string } }[])
			.filter((e) => e.type === "m.room.member" && e.state_key === bob.user_id)
			.map((e) => e.content.membership);
		expect(own).toEqual(["join"]);
	});
	it("answers 404 for a single hidden event, and serves a visible one", async () => {
		const hidden = await api(bob, "GET", `${R(roomId)}/event/${enc(ids.whileInvited!)}`);
		expect(hidden.status).toBe(404);
		expect(hidden.body.errcode).toBe("M_NOT_FOUND");
		const shown = await api(bob, "GET", `${R(roomId)}/event/${enc(ids.shared!)}`);
		expect(shown.status).toBe(200);
		expect(shown.body).toMatchObject({ event_id: ids.shared, room_id: roomId, content: { body: "while shared" } });
		expect(shown.body.hashes).toBeUndefined();
		expect(shown.body.signatures).toBeUndefined();
	});
	it("the room's members see everything they were joined for", async () => {
		expect(bodies((await allMessages(alice)).body.chunk)).toEqual(["after bob joined", "joined, bob invited", "joined, before invite", "while shared"]);
	});
});

describe("a former member", () => {
	it("reads up to their leave and nothing after it", async () => {
		const room = await createRoom(alice, { preset: "public_chat" });
		expect((await api(bob, "POST", `${R(room)}/join`, {})).status).toBe(200);
		await say(alice, "bob is here", room);
		expect((await api(bob, "POST", `${R(room)}/leave`, {})).status).toBe(200);
		const after = await say(alice, "bob has gone", room);
		const res = await allMessages(bob, room);
		expect(res.status).toBe(200);
		expect(bodies(res.body.chunk)).toEqual(["bob is here"]);
		expect((res.body.chunk as { type: string; content: { membership?: string } }[])[0]).toMatchObject({ type: "m.room.member", content: { membership: "leave" } });
		expect((await api(bob, "GET", `${R(room)}/event/${enc(after)}`)).status).toBe(404);
	});
});

describe("world_readable", () => {
	it("lets anyone read events sent while the room is world readable, but not older ones", async () => {
		const room = await createRoom(alice, { preset: "private_chat" });
		await say(alice, "private", room);
		await setVisibility("world_readable", room);
		await say(alice, "public", room);
		const res = await allMessages(carol, room);
		expect(res.status).toBe(200);
		expect(bodies(res.body.chunk)).toEqual(["public"]);
		const state = await api(carol, "GET", `${R(room)}/state/m.room.history_visibility/`);
		expect(state).toEqual({ status: 200, body: { history_visibility: "world_readable" } });
	});
});
