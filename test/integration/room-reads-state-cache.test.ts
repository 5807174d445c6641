// The RoomDO keeps stateAt answers per state group (read-store.ts). Groups never change, so a state
// change after a cached read lands in new groups: the next read must see it.
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
const room = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;
const bodies = async (user: TestUser) => {
	const res = await api(user, "GET", room("/messages?dir=b&limit=50"));
	return { status: res.status, bodies: ((res.body.chunk ?? []) as { content: { body?: string } }[]).map((e) => e.content.body).filter((b) => b !== undefined) };
};

beforeAll(async () => {
	alice = await makeUser("rsc-alice");
	bob = await makeUser("rsc-bob");
	roomId = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id], initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }] });
	expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
});

describe("cached state lookups", () => {
	it("a leave and a visibility change after cached reads are seen by the next reads", async () => {
		await api(alice, "PUT", room("/send/m.room.message/rsc-1"), { msgtype: "m.text", body: "one" });
		expect((await bodies(bob)).bodies).toEqual(["one"]);
		// Shared history: the next event (and Bob's reads of it) follow the new visibility.
		await api(alice, "PUT", room("/state/m.room.history_visibility"), { history_visibility: "shared" });
		await api(alice, "PUT", room("/send/m.room.message/rsc-2"), { msgtype: "m.text", body: "two" });
		expect((await bodies(bob)).bodies).toEqual(["two", "one"]);

		expect((await api(bob, "POST", room("/leave"), {})).status).toBe(200);
		await api(alice, "PUT", room("/send/m.room.message/rsc-3"), { msgtype: "m.text", body: "three" });
		// Bob left: what came after his leave is hidden from him, although his earlier reads were cached.
		expect((await bodies(bob)).bodies).toEqual(["two", "one"]);
		expect((await bodies(alice)).bodies).toEqual(["three", "two", "one"]);
	});
});
