// Room previews: GET /rooms/{roomId}/initialSync and the peeking event stream GET /events?room_id= let a
// signed-in user who is not in a world_readable room read it, and nobody else; /events waits for the next
// event and wakes when one is sent.
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let peeker: TestUser;
let openRoom: string;
let closedRoom: string;

const R = (room: string) => `/_matrix/client/v3/rooms/${enc(room)}`;
const say = async (room: string, body: string): Promise<string> => {
	const res = await api(alice, "PUT", `${R(room)}/send/m.room.message/${enc(`${body}-${Math.random()}`)}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};
type Ev = { type: string; event_id: string; content: { body?: string } };
const bodies = (chunk: unknown): string[] => (chunk as Ev[]).filter((e) => e.type === "m.room.message").map((e) => e.content.body ?? "");

beforeAll(async () => {
	alice = await makeUser("peek-alice");
	peeker = await makeUser("peek-viewer");
	openRoom = await createRoom(alice, { preset: "public_chat", name: "Open house", initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "world_readable" } }] });
	closedRoom = await createRoom(alice, { preset: "public_chat" });
	for (let i = 0; i < 12; i++) await say(openRoom, `open ${i}`);
	await say(closedRoom, "members only");
	expect((await api(alice, "PUT", `/_matrix/client/v3/directory/list/room/${enc(openRoom)}`, { visibility: "public" })).status).toBe(200);
	expect((await api(alice, "PUT", `/_matrix/client/v3/user/${enc(alice.user_id)}/rooms/${enc(openRoom)}/tags/u.work`, { order: 0.5 })).status).toBe(200);
	expect((await api(alice, "PUT", `/_matrix/client/v3/user/${enc(alice.user_id)}/rooms/${enc(openRoom)}/account_data/org.example.note`, { n: 1 })).status).toBe(200);
});

describe("GET /rooms/{roomId}/initialSync", () => {
	it("gives a non-member the state and newest messages of a world_readable room, oldest first, with tokens", async () => {
		const res = await api(peeker, "GET", `${R(openRoom)}/initialSync?limit=5`);
		expect(res.status).toBe(200);
		expect(res.body.room_id).toBe(openRoom);
		expect(res.body.membership).toBeUndefined();
		expect(res.body.visibility).toBe("public");
		expect(res.body.account_data).toEqual([]);
		const messages = res.body.messages as { chunk: Ev[]; start?: string; end: string };
		expect(bodies(messages.chunk)).toEqual(["open 7", "open 8", "open 9", "open 10", "open 11"]);
		const state = res.body.state as { type: string; state_key: string; content: Record<string, unknown> }[];
		expect(state.find((e) => e.type === "m.room.name")?.content.name).toBe("Open house");
		expect(state.find((e) => e.type === "m.room.history_visibility")?.content.history_visibility).toBe("world_readable");
		// `start` pages further back with /messages, with no gap and no repeat.
		const older = await api(peeker, "GET", `${R(openRoom)}/messages?dir=b&limit=3&from=${enc(messages.start!)}`);
		expect(older.status).toBe(200);
		expect(bodies(older.body.chunk)).toEqual(["open 6", "open 5", "open 4"]);
	});

	it("gives a member their membership and their account data for the room", async () => {
		const res = await api(alice, "GET", `${R(openRoom)}/initialSync`);
		expect(res.status).toBe(200);
		expect(res.body.membership).toBe("join");
		const accountData = res.body.account_data as { type: string; content: Record<string, unknown> }[];
		expect(accountData.map((e) => e.type).sort()).toEqual(["m.tag", "org.example.note"]);
		expect(accountData.find((e) => e.type === "org.example.note")?.content).toEqual({ n: 1 });
		expect(bodies((res.body.messages as { chunk: Ev[] }).chunk)).toHaveLength(10);
	});

	it("refuses a room that is not world_readable to a non-member, an unknown room, and bad parameters", async () => {
		for (const path of [`${R(closedRoom)}/initialSync`, `${R("!nowhere:localhost")}/initialSync`]) {
			const res = await api(peeker, "GET", path);
			expect([res.status, res.body.errcode], path).toEqual([403, "M_FORBIDDEN"]);
		}
		const bad = await api(peeker, "GET", `${R(openRoom)}/initialSync?limit=lots`);
		expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const badRoom = await api(peeker, "GET", `${R("not-a-room")}/initialSync`);
		expect([badRoom.status, badRoom.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const anonymous = await api(null, "GET", `${R(openRoom)}/initialSync`);
		expect([anonymous.status, anonymous.body.errcode]).toEqual([401, "M_MISSING_TOKEN"]);
	});
});

describe("GET /events?room_id= (peeking)", () => {
	it("streams a world_readable room's new events from the initialSync token, each once", async () => {
		const snapshot = await api(peeker, "GET", `${R(openRoom)}/initialSync?limit=1`);
		let from = (snapshot.body.messages as { end: string }).end;
		await say(openRoom, "after snapshot 1");
		await say(openRoom, "after snapshot 2");
		const first = await api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(openRoom)}&from=${enc(from)}&timeout=0`);
		expect(first.status).toBe(200);
		expect(first.body.start).toBe(from);
		expect(bodies(first.body.chunk)).toEqual(["after snapshot 1", "after snapshot 2"]);
		from = first.body.end as string;
		// Nothing new: an immediate answer with no events keeps the token.
		const idle = await api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(openRoom)}&from=${enc(from)}&timeout=0`);
		expect([idle.status, idle.body.chunk, idle.body.end]).toEqual([200, [], from]);
	});

	it("long-polls: a waiting request wakes when an event is sent, well before its timeout", async () => {
		const snapshot = await api(peeker, "GET", `${R(openRoom)}/initialSync?limit=1`);
		const from = (snapshot.body.messages as { end: string }).end;
		const started = Date.now();
		const poll = api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(openRoom)}&from=${enc(from)}&timeout=20000`);
		await new Promise((r) => setTimeout(r, 200));
		await say(openRoom, "wake up");
		const res = await poll;
		expect(res.status).toBe(200);
		expect(bodies(res.body.chunk)).toEqual(["wake up"]);
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it("waits out its timeout when nothing happens, and answers with no events", async () => {
		const started = Date.now();
		const res = await api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(openRoom)}&timeout=300`);
		expect(res.status).toBe(200);
		expect(res.body.chunk).toEqual([]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(250);
		expect(typeof res.body.end).toBe("string");
	});

	it("refuses rooms the user may not read, and bad requests, with the spec's errcodes", async () => {
		const closed = await api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(closedRoom)}&timeout=0`);
		expect([closed.status, closed.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
		const noRoom = await api(peeker, "GET", "/_matrix/client/v3/events?timeout=0");
		expect([noRoom.status, noRoom.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
		const badRoom = await api(peeker, "GET", "/_matrix/client/v3/events?room_id=nonsense");
		expect([badRoom.status, badRoom.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const badFrom = await api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(openRoom)}&from=garbage&timeout=0`);
		expect([badFrom.status, badFrom.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const badTimeout = await api(peeker, "GET", `/_matrix/client/v3/events?room_id=${enc(openRoom)}&timeout=-1`);
		expect([badTimeout.status, badTimeout.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
	});

	it("also serves a member of a room that is not world_readable", async () => {
		const snapshot = await api(alice, "GET", `${R(closedRoom)}/initialSync?limit=1`);
		expect(bodies((snapshot.body.messages as { chunk: Ev[] }).chunk)).toEqual(["members only"]);
		const from = (snapshot.body.messages as { end: string }).end;
		await say(closedRoom, "still members only");
		const res = await api(alice, "GET", `/_matrix/client/v3/events?room_id=${enc(closedRoom)}&from=${enc(from)}&timeout=0`);
		expect(bodies(res.body.chunk)).toEqual(["still members only"]);
	});
});
