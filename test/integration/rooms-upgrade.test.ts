// POST /rooms/{roomId}/upgrade: replacement room with copied settings, tombstone and restricted old room.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, stateEvent, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
	alice = await makeUser("up-alice");
	bob = await makeUser("up-bob");
	carol = await makeUser("up-carol");
});

const upgrade = (user: TestUser, roomId: string, body: unknown) => api(user, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/upgrade`, body);

describe("POST /rooms/{roomId}/upgrade", () => {
	it("upgrades a v10 room to v12: predecessor, copied state and bans, tombstone, old room restricted", async () => {
		const oldRoom = await createRoom(alice, { room_version: "10", preset: "public_chat", name: "Old name", topic: "t", room_alias_name: "upgraded", visibility: "public" });
		await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(oldRoom)}/join`, {});
		await api(alice, "POST", `/_matrix/client/v3/rooms/${enc(oldRoom)}/ban`, { user_id: carol.user_id });

		const res = await upgrade(alice, oldRoom, { new_version: "12" });
		expect(res.status).toBe(200);
		const newRoom = res.body.replacement_room as string;
		expect(newRoom).toMatch(/^![A-Za-z0-9_-]{43}$/);
		expect((await env.ROOM.getByName(newRoom).getRoomInfo())?.room_version).toBe("12");

		const create = await stateEvent(newRoom, "m.room.create");
		expect(create?.content).toMatchObject({ room_version: "12", predecessor: { room_id: oldRoom } });
		expect(await stateEvent(newRoom, "m.room.name")).toMatchObject({ content: { name: "Old name" } });
		expect(await stateEvent(newRoom, "m.room.join_rules")).toMatchObject({ content: { join_rule: "public" } });
		expect(await stateEvent(newRoom, "m.room.encryption")).toMatchObject({ content: { algorithm: "m.megolm.v1.aes-sha2" } });
		expect(await stateEvent(newRoom, "m.room.member", carol.user_id)).toMatchObject({ content: { membership: "ban" } });
		const newPower = (await stateEvent(newRoom, "m.room.power_levels"))?.content as { users: Record<string, number> };
		expect(newPower.users[alice.user_id]).toBeUndefined();

		expect(await stateEvent(oldRoom, "m.room.tombstone")).toMatchObject({ sender: alice.user_id, content: { replacement_room: newRoom } });
		expect(await stateEvent(oldRoom, "m.room.power_levels")).toMatchObject({ content: { events_default: 50, invite: 50 } });
		// Bob (level 0) can no longer talk in the old room, but can join the new one.
		const talk = await api(bob, "PUT", `/_matrix/client/v3/rooms/${enc(oldRoom)}/send/m.room.message/u1`, { body: "still here?" });
		expect(talk.body.errcode).toBe("M_FORBIDDEN");
		expect((await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(newRoom)}/join`, {})).status).toBe(200);
		// "Moves any local aliases to the new room", and the directory listing with them.
		const alias = await api(bob, "GET", `/_matrix/client/v3/directory/room/${enc(`#upgraded:${env.SERVER_NAME}`)}`);
		expect(alias.body.room_id).toBe(newRoom);
		expect((await api(bob, "GET", `/_matrix/client/v3/directory/list/room/${enc(newRoom)}`)).body).toEqual({ visibility: "public" });
		expect((await api(bob, "GET", `/_matrix/client/v3/directory/list/room/${enc(oldRoom)}`)).body).toEqual({ visibility: "private" });
	});

	it("refuses members without power, unsupported versions and bad bodies, creating nothing", async () => {
		const room = await createRoom(alice, { preset: "public_chat" });
		await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(room)}/join`, {});
		const notAllowed = await upgrade(bob, room, { new_version: "12" });
		expect(notAllowed.status).toBe(403);
		expect(notAllowed.body.errcode).toBe("M_FORBIDDEN");
		expect((await upgrade(carol, room, { new_version: "12" })).body.errcode).toBe("M_FORBIDDEN");
		expect((await upgrade(alice, room, { new_version: "3" })).body.errcode).toBe("M_UNSUPPORTED_ROOM_VERSION");
		expect((await upgrade(alice, room, {})).body.errcode).toBe("M_MISSING_PARAM");
		expect((await upgrade(alice, room, { new_version: 12 })).body.errcode).toBe("M_BAD_JSON");
		expect(await stateEvent(room, "m.room.tombstone")).toBeUndefined();
	});
});
