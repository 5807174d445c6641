// device_lists.left: a user who stops sharing every room with the syncing user (their leave or kick, or
// the syncing user's own leave) appears there once; a user still sharing another room does not.
// Spec: https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sync, syncUntil } from "./sync-helpers";

let frank: TestUser;
let gina: TestUser;
let hank: TestUser;
const rooms = (id: string, path: string) => `/_matrix/client/v3/rooms/${enc(id)}${path}`;

async function sharedRoom(owner: TestUser, guest: TestUser): Promise<string> {
	const roomId = await createRoom(owner, { preset: "private_chat", invite: [guest.user_id] });
	expect((await api(guest, "POST", rooms(roomId, "/join"), {})).status).toBe(200);
	return roomId;
}

beforeAll(async () => {
	frank = await makeUser("dll-frank");
	gina = await makeUser("dll-gina");
	hank = await makeUser("dll-hank");
});

describe("device_lists.left", () => {
	it("a user leaving one of two shared rooms is not `left`; leaving the last one is, once", async () => {
		const one = await sharedRoom(frank, gina);
		const two = await sharedRoom(frank, gina);
		let token = (await syncUntil(frank, (b) => b.rooms.join[one] !== undefined && b.rooms.join[two] !== undefined)).body.next_batch;

		expect((await api(gina, "POST", rooms(one, "/leave"), {})).status).toBe(200);
		const first = await syncUntil(frank, (b) => (b.rooms.join[one]?.timeline?.events ?? []).some((e) => e.type === "m.room.member" && e.state_key === gina.user_id), token);
		expect(first.body.device_lists.left).not.toContain(gina.user_id);
		token = first.body.next_batch;

		expect((await api(gina, "POST", rooms(two, "/leave"), {})).status).toBe(200);
		const gone = await syncUntil(frank, (b) => b.device_lists.left.includes(gina.user_id), token);
		expect(gone.body.device_lists.changed).not.toContain(gina.user_id);
		const after = await sync(frank, { since: gone.body.next_batch, timeout: 300 });
		expect(after.body.device_lists.left).toEqual([]);
	});

	it("a kicked user is `left` for those who stay", async () => {
		const roomId = await sharedRoom(frank, hank);
		const token = (await syncUntil(frank, (b) => b.rooms.join[roomId] !== undefined)).body.next_batch;
		expect((await api(frank, "POST", rooms(roomId, "/kick"), { user_id: hank.user_id, reason: "test" })).status).toBe(200);
		const gone = await syncUntil(frank, (b) => b.device_lists.left.includes(hank.user_id), token);
		expect(gone.body.device_lists.left).toEqual([hank.user_id]);
	});

	it("after the syncing user leaves their only shared room, the others there are `left`", async () => {
		const roomId = await sharedRoom(gina, hank);
		const token = (await syncUntil(hank, (b) => b.rooms.join[roomId] !== undefined)).body.next_batch;
		expect((await api(hank, "POST", rooms(roomId, "/leave"), {})).status).toBe(200);
		const gone = await syncUntil(hank, (b) => b.device_lists.left.includes(gina.user_id), token);
		expect(gone.body.rooms.leave[roomId]).toBeDefined();
		expect(gone.body.device_lists.left).not.toContain(hank.user_id);
	});
});
