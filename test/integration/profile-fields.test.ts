import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, stateEvent, type TestUser } from "./rooms-helpers";
import { carryOutErasures, requestErasure } from "../../src/platform/deactivation-erasure";

const SERVER = env.SERVER_NAME;
let alice: TestUser;
let bob: TestUser;

const profilePath = (user: string, key?: string) => `/_matrix/client/v3/profile/${enc(user)}${key === undefined ? "" : `/${enc(key)}`}`;

beforeAll(async () => {
	alice = await makeUser("prof_alice");
	bob = await makeUser("prof_bob");
});

describe("profile fields", () => {
	it("sets, reads and deletes displayname, avatar_url, m.tz and custom fields", async () => {
		expect(await api(null, "GET", profilePath(alice.user_id))).toEqual({ status: 200, body: {} });
		expect(await api(alice, "PUT", profilePath(alice.user_id, "displayname"), { displayname: "Alice" })).toEqual({ status: 200, body: {} });
		expect(await api(alice, "PUT", profilePath(alice.user_id, "avatar_url"), { avatar_url: `mxc://${SERVER}/abc123` })).toEqual({ status: 200, body: {} });
		expect((await api(alice, "PUT", profilePath(alice.user_id, "m.tz"), { "m.tz": "Europe/Berlin" })).status).toBe(200);
		expect((await api(alice, "PUT", profilePath(alice.user_id, "org.example.pronouns"), { "org.example.pronouns": { en: ["she", "her"] } })).status).toBe(200);

		expect(await api(null, "GET", profilePath(alice.user_id))).toEqual({
			status: 200,
			body: { displayname: "Alice", avatar_url: `mxc://${SERVER}/abc123`, "m.tz": "Europe/Berlin", "org.example.pronouns": { en: ["she", "her"] } },
		});
		expect(await api(null, "GET", profilePath(alice.user_id, "displayname"))).toEqual({ status: 200, body: { displayname: "Alice" } });

		expect(await api(alice, "DELETE", profilePath(alice.user_id, "m.tz"))).toEqual({ status: 200, body: {} });
		expect(await api(null, "GET", profilePath(alice.user_id, "m.tz"))).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
		// Deleting a field that is not there is fine.
		expect(await api(alice, "DELETE", profilePath(alice.user_id, "m.tz"))).toEqual({ status: 200, body: {} });
	});

	it("mirrors displayname and avatar_url into the user directory table", async () => {
		const row = await env.DB.prepare("SELECT display_name, avatar_url FROM user_directory WHERE user_id = ?").bind(alice.user_id).first();
		expect(row).toEqual({ display_name: "Alice", avatar_url: `mxc://${SERVER}/abc123` });
	});

	it("answers the spec's errors and changes nothing", async () => {
		const before = await api(null, "GET", profilePath(alice.user_id));
		const cases: [TestUser, string, string, string, unknown, number, string][] = [
			[bob, "PUT", alice.user_id, "displayname", { displayname: "Mallory" }, 403, "M_FORBIDDEN"],
			[bob, "DELETE", alice.user_id, "displayname", undefined, 403, "M_FORBIDDEN"],
			[alice, "PUT", alice.user_id, "Not_Namespaced", { Not_Namespaced: 1 }, 400, "M_INVALID_PARAM"],
			[alice, "PUT", alice.user_id, `a.${"b".repeat(260)}`, {}, 400, "M_KEY_TOO_LARGE"],
			[alice, "PUT", alice.user_id, "displayname", { name: "x" }, 400, "M_MISSING_PARAM"],
			[alice, "PUT", alice.user_id, "displayname", { displayname: 7 }, 400, "M_INVALID_PARAM"],
			[alice, "PUT", alice.user_id, "avatar_url", { avatar_url: "https://example.org/a.png" }, 400, "M_INVALID_PARAM"],
			[alice, "PUT", alice.user_id, "org.example.big", { "org.example.big": "x".repeat(70_000) }, 400, "M_PROFILE_TOO_LARGE"],
			[alice, "PUT", alice.user_id, "displayname", "{nope", 400, "M_NOT_JSON"],
			[alice, "PUT", "not-a-user", "displayname", { displayname: "x" }, 400, "M_INVALID_PARAM"],
		];
		for (const [user, method, target, key, body, status, errcode] of cases) {
			const res = await api(user, method, profilePath(target, key), body);
			expect({ key, status: res.status, errcode: res.body.errcode }).toEqual({ key, status, errcode });
		}
		expect(await api(null, "GET", profilePath(alice.user_id))).toEqual(before);
		expect(await api(null, "GET", profilePath(`@nobody:${SERVER}`))).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
		// Another server's user: their server is asked (federation query/profile), unreachable in this test.
		expect(await api(null, "GET", profilePath("@someone:elsewhere.example"))).toMatchObject({ status: 502, body: { errcode: "M_UNKNOWN" } });
		expect((await api(null, "PUT", profilePath(alice.user_id, "displayname"), { displayname: "x" })).status).toBe(401);
	});
});

describe("profile changes reach the user's rooms", () => {
	it("sends a new signed member event with the displayname and avatar into every joined room", async () => {
		const carol = await makeUser("prof_carol");
		const first = await createRoom(carol, { preset: "public_chat" });
		const second = await createRoom(bob, { preset: "public_chat" });
		expect((await api(carol, "POST", `/_matrix/client/v3/join/${enc(second)}`, {})).status).toBe(200);
		const left = await createRoom(bob, { preset: "public_chat" });
		expect((await api(carol, "POST", `/_matrix/client/v3/join/${enc(left)}`, {})).status).toBe(200);
		expect((await api(carol, "POST", `/_matrix/client/v3/rooms/${enc(left)}/leave`, {})).status).toBe(200);
		for (const id of [first, second, left]) await runDurableObjectAlarm(env.ROOM.getByName(id));

		expect((await api(carol, "PUT", profilePath(carol.user_id, "displayname"), { displayname: "Carol C." })).status).toBe(200);
		expect((await api(carol, "PUT", profilePath(carol.user_id, "avatar_url"), { avatar_url: `mxc://${SERVER}/carolpic` })).status).toBe(200);
		for (const id of [first, second]) {
			const member = await stateEvent(id, "m.room.member", carol.user_id);
			expect(member?.content).toEqual({ membership: "join", displayname: "Carol C.", avatar_url: `mxc://${SERVER}/carolpic` });
			expect(member?.sender).toBe(carol.user_id);
			expect(member?.signatures).toHaveProperty(SERVER);
		}
		// A room Carol left keeps her leave event.
		expect((await stateEvent(left, "m.room.member", carol.user_id))?.content).toEqual({ membership: "leave" });

		expect((await api(carol, "DELETE", profilePath(carol.user_id, "displayname"))).status).toBe(200);
		expect((await stateEvent(first, "m.room.member", carol.user_id))?.content).toEqual({ membership: "join", avatar_url: `mxc://${SERVER}/carolpic` });
	});
});

describe("deactivation erasure", () => {
	it("erases the profile and the directory entry", async () => {
		const dave = await makeUser("prof_dave");
		expect((await api(dave, "PUT", profilePath(dave.user_id, "displayname"), { displayname: "Dave" })).status).toBe(200);
		await requestErasure(env.DB, dave.user_id, Date.now());
		expect(await carryOutErasures(env.DB, dave.user_id, Date.now())).toBe(1);
		expect(await api(null, "GET", profilePath(dave.user_id))).toEqual({ status: 200, body: {} });
		expect(await env.DB.prepare("SELECT 1 FROM user_directory WHERE user_id = ?").bind(dave.user_id).first()).toBeNull();
	});
});
