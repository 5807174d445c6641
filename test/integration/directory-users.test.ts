import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let searcher: TestUser;
let roommate: TestUser;
let publicUser: TestUser;
let loner: TestUser;

async function setName(user: TestUser, name: string): Promise<void> {
	expect((await api(user, "PUT", `/_matrix/client/v3/profile/${enc(user.user_id)}/displayname`, { displayname: name })).status).toBe(200);
}

beforeAll(async () => {
	searcher = await makeUser("ud_searcher");
	roommate = await makeUser("ud_roommate");
	publicUser = await makeUser("ud_public");
	loner = await makeUser("ud_loner");
	const shared = await createRoom(searcher, { preset: "private_chat", invite: [roommate.user_id] });
	expect((await api(roommate, "POST", `/_matrix/client/v3/join/${enc(shared)}`, {})).status).toBe(200);
	const pub = await createRoom(publicUser, { preset: "public_chat", visibility: "public" });
	const lonely = await createRoom(loner, { preset: "private_chat" });
	for (const id of [shared, pub, lonely]) await runDurableObjectAlarm(env.ROOM.getByName(id));
	await setName(roommate, "Rosa Roommate");
	await setName(publicUser, "Percy Public");
	await setName(loner, "Lonely Larry");
});

async function search(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
	return api(searcher, "POST", "/_matrix/client/v3/user_directory/search", body);
}

describe("user directory search", () => {
	it("finds users sharing a room and users in public rooms, by name or ID, but not strangers", async () => {
		expect((await search({ search_term: "rosa" })).body).toEqual({ limited: false, results: [{ user_id: roommate.user_id, display_name: "Rosa Roommate" }] });
		expect((await search({ search_term: "PERCY" })).body.results).toEqual([{ user_id: publicUser.user_id, display_name: "Percy Public" }]);
		expect((await search({ search_term: "ud_roommate" })).body.results).toEqual([{ user_id: roommate.user_id, display_name: "Rosa Roommate" }]);
		expect((await search({ search_term: "larry" })).body.results).toEqual([]);
		expect((await search({ search_term: "ud_loner" })).body.results).toEqual([]);
	});

	it("treats LIKE wildcards literally and honours limit", async () => {
		expect((await search({ search_term: "%" })).body.results).toEqual([]);
		const all = await search({ search_term: "ud_", limit: 1 });
		expect(all.body.limited).toBe(true);
		expect(all.body.results).toHaveLength(1);
	});

	it("refuses bad bodies", async () => {
		expect(await search({})).toMatchObject({ status: 400, body: { errcode: "M_MISSING_PARAM" } });
		expect(await search({ search_term: 5 })).toMatchObject({ status: 400, body: { errcode: "M_BAD_JSON" } });
		expect(await search({ search_term: "a", limit: -1 })).toMatchObject({ status: 400, body: { errcode: "M_BAD_JSON" } });
		expect((await api(null, "POST", "/_matrix/client/v3/user_directory/search", { search_term: "a" })).status).toBe(401);
	});
});
