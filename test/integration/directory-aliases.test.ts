import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { moveDirectoryEntries } from "../../src/worker/d1/directory";

const SERVER = env.SERVER_NAME;
let owner: TestUser;
let member: TestUser;
let stranger: TestUser;
let roomId = "";

/** The D1 membership index is written by the room's outbox alarm; run it now. */
async function settle(id: string): Promise<void> {
	await runDurableObjectAlarm(env.ROOM.getByName(id));
}

beforeAll(async () => {
	owner = await makeUser("dir_owner");
	member = await makeUser("dir_member");
	stranger = await makeUser("dir_stranger");
	roomId = await createRoom(owner, { preset: "public_chat", name: "Directory test" });
	expect((await api(member, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
	await settle(roomId);
});

const path = (alias: string) => `/_matrix/client/v3/directory/room/${enc(alias)}`;

describe("room aliases", () => {
	it("creates an alias for a joined member, resolves it without a token, and lists it on the room", async () => {
		const alias = `#tea-room:${SERVER}`;
		expect(await api(member, "PUT", path(alias), { room_id: roomId })).toEqual({ status: 200, body: {} });
		expect(await api(null, "GET", path(alias))).toEqual({ status: 200, body: { room_id: roomId, servers: [SERVER] } });
		expect(await api(owner, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/aliases`)).toEqual({ status: 200, body: { aliases: [alias] } });
	});

	it("refuses a taken alias (409), a non-member (403), an unknown room (404), foreign and malformed aliases", async () => {
		const alias = `#taken:${SERVER}`;
		expect((await api(owner, "PUT", path(alias), { room_id: roomId })).status).toBe(200);
		const cases: [TestUser, string, unknown, number, string][] = [
			[member, alias, { room_id: roomId }, 409, "M_UNKNOWN"],
			[stranger, `#squat:${SERVER}`, { room_id: roomId }, 403, "M_FORBIDDEN"],
			[owner, `#ghost:${SERVER}`, { room_id: `!nope:${SERVER}` }, 404, "M_NOT_FOUND"],
			[owner, "#far:other.example", { room_id: roomId }, 400, "M_INVALID_PARAM"],
			[owner, "not-an-alias", { room_id: roomId }, 400, "M_INVALID_PARAM"],
			[owner, `#x:${SERVER}`, {}, 400, "M_MISSING_PARAM"],
			[owner, `#x:${SERVER}`, { room_id: 5 }, 400, "M_BAD_JSON"],
			[owner, `#x:${SERVER}`, { room_id: "bad" }, 400, "M_INVALID_PARAM"],
		];
		for (const [user, a, body, status, errcode] of cases) {
			const res = await api(user, "PUT", path(a), body);
			expect({ a, status: res.status, errcode: res.body.errcode }).toEqual({ a, status, errcode });
		}
		// Nothing of that changed the table.
		expect((await api(owner, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/aliases`)).body.aliases).toEqual([alias, `#tea-room:${SERVER}`]);
		expect((await api(null, "GET", path(`#squat:${SERVER}`))).status).toBe(404);
	});

	it("lets only the creator or a room admin delete an alias", async () => {
		const byMember = `#by-member:${SERVER}`;
		expect((await api(member, "PUT", path(byMember), { room_id: roomId })).status).toBe(200);
		const byOwner = `#by-owner:${SERVER}`;
		expect((await api(owner, "PUT", path(byOwner), { room_id: roomId })).status).toBe(200);
		// A plain member did not create byOwner and has no power to send m.room.canonical_alias.
		expect(await api(member, "DELETE", path(byOwner))).toMatchObject({ status: 403, body: { errcode: "M_FORBIDDEN" } });
		expect(await api(stranger, "DELETE", path(byMember))).toMatchObject({ status: 403, body: { errcode: "M_FORBIDDEN" } });
		// The creator may delete their own; the room's admin (its creator, PL 100) may delete anyone's.
		expect(await api(member, "DELETE", path(byMember))).toEqual({ status: 200, body: {} });
		expect((await api(member, "PUT", path(byMember), { room_id: roomId })).status).toBe(200);
		expect(await api(owner, "DELETE", path(byMember))).toEqual({ status: 200, body: {} });
		expect(await api(null, "GET", path(byMember))).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
		expect(await api(owner, "DELETE", path(byMember))).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
	});

	it("hides a room's aliases from non-members unless the room is world readable", async () => {
		expect(await api(stranger, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/aliases`)).toMatchObject({ status: 403, body: { errcode: "M_FORBIDDEN" } });
		const open = await createRoom(owner, { preset: "public_chat", initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "world_readable" } }] });
		await settle(open);
		expect(await api(stranger, "GET", `/_matrix/client/v3/rooms/${enc(open)}/aliases`)).toEqual({ status: 200, body: { aliases: [] } });
		expect((await api(stranger, "GET", "/_matrix/client/v3/rooms/not-a-room/aliases")).status).toBe(400);
	});
});

describe("moveDirectoryEntries (room upgrades)", () => {
	it("moves aliases and the published listing to the new room", async () => {
		const oldRoom = await createRoom(owner, { preset: "public_chat", visibility: "public", room_alias_name: "upgrading" });
		const newRoom = await createRoom(owner, { preset: "public_chat" });
		await moveDirectoryEntries(env.DB, oldRoom, newRoom);
		expect((await api(null, "GET", path(`#upgrading:${SERVER}`))).body.room_id).toBe(newRoom);
		expect((await api(null, "GET", `/_matrix/client/v3/directory/list/room/${enc(newRoom)}`)).body).toEqual({ visibility: "public" });
		expect((await api(null, "GET", `/_matrix/client/v3/directory/list/room/${enc(oldRoom)}`)).body).toEqual({ visibility: "private" });
	});
});
