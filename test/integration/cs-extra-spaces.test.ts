// Space hierarchy (/v1/rooms/{roomId}/hierarchy) and room summaries (/v1/room_summary/{roomIdOrAlias}).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { request } from "./cs-extra-helpers";
import { createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

const SERVER = env.SERVER_NAME;
let alice: TestUser;
let bob: TestUser;
let space = "";
let sub = "";
let general = "";
let secret = "";
let deep = "";

type Room = Record<string, unknown> & { room_id: string; children_state: { state_key: string; origin_server_ts: number }[] };

async function addChild(parent: string, child: string, content: Record<string, unknown> = { via: [SERVER] }): Promise<void> {
	const res = await request(alice, "PUT", `/_matrix/client/v3/rooms/${enc(parent)}/state/m.space.child/${enc(child)}`, content);
	expect(res.status).toBe(200);
}

async function hierarchy(user: TestUser, query = ""): Promise<{ status: number; rooms: Room[]; next_batch?: string; errcode?: string }> {
	const res = await request(user, "GET", `/_matrix/client/v1/rooms/${enc(space)}/hierarchy${query}`);
	return { status: res.status, ...(res.body as unknown as { rooms: Room[]; next_batch?: string; errcode?: string }) };
}

beforeAll(async () => {
	alice = await makeUser("space_alice");
	bob = await makeUser("space_bob");
	space = await createRoom(alice, { preset: "public_chat", name: "Space", creation_content: { type: "m.space" }, room_alias_name: "the-space" });
	sub = await createRoom(alice, { preset: "public_chat", name: "Sub", creation_content: { type: "m.space" } });
	general = await createRoom(alice, { preset: "public_chat", name: "General", topic: "chat" });
	secret = await createRoom(alice, { preset: "private_chat", name: "Secret" });
	deep = await createRoom(alice, { preset: "public_chat", name: "Deep" });
	await addChild(space, general, { via: [SERVER], order: "b" });
	await addChild(space, sub, { via: [SERVER], order: "a", suggested: true });
	await addChild(space, secret);
	await addChild(space, "!unknown:elsewhere.example");
	await addChild(space, deep, { via: [] });
	await addChild(sub, deep);
});

describe("GET /rooms/{roomId}/hierarchy", () => {
	it("walks the space depth first in child order, skipping invalid, unknown and private children", async () => {
		const res = await hierarchy(bob);
		expect(res.status).toBe(200);
		expect(res.rooms.map((r) => r.room_id)).toEqual([space, sub, deep, general]);
		expect(res.next_batch).toBeUndefined();
		const root = res.rooms[0]!;
		expect(root).toMatchObject({ name: "Space", room_type: "m.space", join_rule: "public", num_joined_members: 1, canonical_alias: `#the-space:${SERVER}` });
		// The child with an empty via is a removed child and not listed.
		expect(root.children_state.map((c) => c.state_key)).toEqual([sub, general, secret, "!unknown:elsewhere.example"]);
		expect(root.children_state[0]).toMatchObject({ type: "m.space.child", sender: alice.user_id, content: { via: [SERVER], order: "a", suggested: true } });
		expect(typeof root.children_state[0]!.origin_server_ts).toBe("number");
		expect(res.rooms[3]).toMatchObject({ name: "General", topic: "chat", children_state: [], room_version: expect.any(String) });
	});

	it("members of a private child see it", async () => {
		const res = await hierarchy(alice);
		expect(res.rooms.map((r) => r.room_id)).toEqual([space, sub, deep, general, secret]);
	});

	it("max_depth, suggested_only and paging", async () => {
		expect((await hierarchy(bob, "?max_depth=0")).rooms.map((r) => r.room_id)).toEqual([space]);
		expect((await hierarchy(bob, "?max_depth=1")).rooms.map((r) => r.room_id)).toEqual([space, sub, general]);
		expect((await hierarchy(bob, "?suggested_only=true")).rooms.map((r) => r.room_id)).toEqual([space, sub]);
		const first = await hierarchy(bob, "?limit=2");
		expect(first.rooms.map((r) => r.room_id)).toEqual([space, sub]);
		expect(first.next_batch).toBeDefined();
		const second = await hierarchy(bob, `?limit=2&from=${enc(first.next_batch!)}`);
		expect(second.rooms.map((r) => r.room_id)).toEqual([deep, general]);
		expect(second.next_batch).toBeUndefined();
		const changed = await hierarchy(bob, `?limit=2&max_depth=1&from=${enc(first.next_batch!)}`);
		expect(changed).toMatchObject({ status: 400, errcode: "M_INVALID_PARAM" });
	});

	it("bad parameters are 400; a room the caller cannot see is 403", async () => {
		for (const q of ["?limit=0", "?max_depth=-1", "?suggested_only=maybe", "?from=nope"]) {
			expect((await hierarchy(bob, q)).status).toBe(400);
		}
		const hidden = await request(bob, "GET", `/_matrix/client/v1/rooms/${enc(secret)}/hierarchy`);
		expect(hidden.body.errcode).toBe("M_FORBIDDEN");
		const unknown = await request(bob, "GET", `/_matrix/client/v1/rooms/${enc(`!nope:${SERVER}`)}/hierarchy`);
		expect(unknown.status).toBe(403);
	});
});

describe("GET /room_summary/{roomIdOrAlias}", () => {
	it("summarises a public room by ID or alias, with the caller's membership", async () => {
		const byId = await request(bob, "GET", `/_matrix/client/v1/room_summary/${enc(space)}`);
		expect(byId.status).toBe(200);
		expect(byId.body).toMatchObject({ room_id: space, name: "Space", room_type: "m.space", join_rule: "public", membership: "leave", room_version: expect.any(String) });
		const byAlias = await request(alice, "GET", `/_matrix/client/v1/room_summary/${enc(`#the-space:${SERVER}`)}`);
		expect(byAlias.body).toMatchObject({ room_id: space, membership: "join" });
	});

	it("anonymous callers see public rooms without membership", async () => {
		const res = await request(null, "GET", `/_matrix/client/v1/room_summary/${enc(general)}`);
		expect(res.status).toBe(200);
		expect(res.body.membership).toBeUndefined();
		expect((await request(null, "GET", `/_matrix/client/v1/room_summary/${enc(secret)}`)).status).toBe(404);
	});

	it("private rooms show their encryption to members and are 404 to others", async () => {
		const member = await request(alice, "GET", `/_matrix/client/v1/room_summary/${enc(secret)}`);
		expect(member.body).toMatchObject({ room_id: secret, join_rule: "invite", encryption: "m.megolm.v1.aes-sha2", membership: "join" });
		expect((await request(bob, "GET", `/_matrix/client/v1/room_summary/${enc(secret)}`)).body.errcode).toBe("M_NOT_FOUND");
		expect((await request(bob, "GET", `/_matrix/client/v1/room_summary/${enc(`#missing:${SERVER}`)}`)).status).toBe(404);
		expect((await request(bob, "GET", "/_matrix/client/v1/room_summary/garbage")).body.errcode).toBe("M_INVALID_PARAM");
		const badToken = await request({ ...bob, token: "nope" }, "GET", `/_matrix/client/v1/room_summary/${enc(general)}`);
		expect(badToken.status).toBe(401);
	});
});
