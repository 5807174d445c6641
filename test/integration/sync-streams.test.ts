// /sync's own streams in the UserDO: tokens, idle long-polls, account data (global, per room, tags)
// arriving once and waking long-polls, filters, and presence.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sleep, sync, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
	alice = await makeUser("ss-alice");
	bob = await makeUser("ss-bob");
});

const accountData = (user: TestUser, type: string, body: unknown, roomId?: string) =>
	api(
		user,
		"PUT",
		roomId === undefined
			? `/_matrix/client/v3/user/${enc(user.user_id)}/account_data/${enc(type)}`
			: `/_matrix/client/v3/user/${enc(user.user_id)}/rooms/${enc(roomId)}/account_data/${enc(type)}`,
		body,
	);

describe("sync tokens and long-polls", () => {
	it("an initial sync answers at once with a token that round-trips", async () => {
		const first = await sync(alice, { timeout: 5000 });
		expect(first.status).toBe(200);
		expect(first.body.next_batch).toMatch(/^s\d+_\d+_\d+$/);
		expect(first.ms).toBeLessThan(2000);
		const again = await sync(alice, { since: first.body.next_batch });
		expect(again.status).toBe(200);
		expect(again.body.next_batch).toBe(first.body.next_batch);
	});

	it("refuses a malformed or future since token and a bad timeout", async () => {
		for (const since of ["garbage", "s999999_0_0"]) {
			const res = await sync(alice, { since });
			expect(res.status).toBe(400);
			expect(res.body).toMatchObject({ errcode: "M_INVALID_PARAM" });
		}
		expect((await sync(alice, { timeout: "soon" })).status).toBe(400);
		expect((await sync(alice, { full_state: "yes" })).status).toBe(400);
		expect((await sync(alice, { set_presence: "busy" })).status).toBe(400);
	});

	it("an idle long-poll blocks until its timeout", async () => {
		const { body } = await sync(alice);
		const idle = await sync(alice, { since: body.next_batch, timeout: 1500 });
		expect(idle.status).toBe(200);
		expect(idle.ms).toBeGreaterThanOrEqual(1400);
		expect(idle.body.account_data.events).toEqual([]);
		expect(Object.keys(idle.body.rooms.join)).toEqual([]);
	});
});

describe("account data", () => {
	it("arrives in the initial sync, then once incrementally, and not again", async () => {
		expect((await accountData(alice, "org.example.a", { n: 1 })).status).toBe(200);
		const initial = await sync(alice);
		expect(initial.body.account_data.events).toContainEqual({ type: "org.example.a", content: { n: 1 } });
		expect(initial.body.account_data.events.some((e) => e.type === "m.push_rules")).toBe(true);

		await accountData(alice, "org.example.a", { n: 2 });
		const next = await sync(alice, { since: initial.body.next_batch });
		expect(next.body.account_data.events).toEqual([{ type: "org.example.a", content: { n: 2 } }]);
		const quiet = await sync(alice, { since: next.body.next_batch });
		expect(quiet.body.account_data.events).toEqual([]);
		expect((await api(alice, "GET", `/_matrix/client/v3/user/${enc(alice.user_id)}/account_data/org.example.a`)).body).toEqual({ n: 2 });
	});

	it("a write wakes a waiting long-poll at once", async () => {
		const { body } = await sync(alice);
		const polling = sync(alice, { since: body.next_batch, timeout: 10_000 });
		await sleep(200);
		await accountData(alice, "org.example.wake", { hello: true });
		const woken = await polling;
		expect(woken.ms).toBeLessThan(3000);
		expect(woken.body.account_data.events).toEqual([{ type: "org.example.wake", content: { hello: true } }]);
	});

	it("refuses other users, server-controlled types, non-objects and unknown types", async () => {
		const other = await api(alice, "PUT", `/_matrix/client/v3/user/${enc(bob.user_id)}/account_data/org.example.x`, {});
		expect(other.status).toBe(403);
		expect(other.body.errcode).toBe("M_FORBIDDEN");
		expect((await api(alice, "GET", `/_matrix/client/v3/user/${enc(bob.user_id)}/account_data/org.example.x`)).status).toBe(403);
		const pushRules = await accountData(alice, "m.push_rules", {});
		expect(pushRules.status).toBe(405);
		expect(pushRules.body.errcode).toBe("M_BAD_JSON");
		expect((await accountData(alice, "org.example.arr", [1, 2])).body.errcode).toBe("M_BAD_JSON");
		const missing = await api(alice, "GET", `/_matrix/client/v3/user/${enc(alice.user_id)}/account_data/org.example.none`);
		expect(missing.status).toBe(404);
		expect(missing.body.errcode).toBe("M_NOT_FOUND");
		expect((await api(alice, "GET", `/_matrix/client/v3/user/not-a-user/account_data/x`)).body.errcode).toBe("M_INVALID_PARAM");
	});

	it("per-room account data and tags appear in the room's account_data once", async () => {
		const roomId = await createRoom(alice);
		const initial = await syncUntil(alice, (b) => b.rooms.join[roomId] !== undefined);
		await accountData(alice, "org.example.room", { r: 1 }, roomId);
		const tagPath = `/_matrix/client/v3/user/${enc(alice.user_id)}/rooms/${enc(roomId)}/tags`;
		expect((await api(alice, "PUT", `${tagPath}/u.work`, { order: 0.5 })).status).toBe(200);
		expect((await api(alice, "PUT", `${tagPath}/u.bad`, { order: "high" })).body.errcode).toBe("M_BAD_JSON");
		expect((await api(alice, "GET", tagPath)).body).toEqual({ tags: { "u.work": { order: 0.5 } } });
		const next = await sync(alice, { since: initial.body.next_batch });
		const events = next.body.rooms.join[roomId]?.account_data?.events ?? [];
		expect(events).toContainEqual({ type: "org.example.room", content: { r: 1 } });
		expect(events).toContainEqual({ type: "m.tag", content: { tags: { "u.work": { order: 0.5 } } } });
		const quiet = await sync(alice, { since: next.body.next_batch });
		expect(quiet.body.rooms.join[roomId]).toBeUndefined();
		expect((await api(alice, "DELETE", `${tagPath}/u.work`)).status).toBe(200);
		expect((await api(alice, "GET", tagPath)).body).toEqual({ tags: {} });
		const removed = await sync(alice, { since: quiet.body.next_batch });
		expect(removed.body.rooms.join[roomId]?.account_data?.events).toEqual([{ type: "m.tag", content: { tags: {} } }]);
	});
});

describe("filters", () => {
	const filterPath = (user: TestUser) => `/_matrix/client/v3/user/${enc(user.user_id)}/filter`;

	it("stores a valid filter and returns it; only its owner may read it", async () => {
		const def = { room: { timeline: { limit: 1, types: ["m.room.*"] } }, account_data: { not_types: ["*"] } };
		const created = await api(alice, "POST", filterPath(alice), def);
		expect(created.status).toBe(200);
		expect(typeof created.body.filter_id).toBe("string");
		expect((await api(alice, "GET", `${filterPath(alice)}/${created.body.filter_id}`)).body).toEqual(def);
		expect((await api(bob, "GET", `${filterPath(alice)}/${created.body.filter_id}`)).body.errcode).toBe("M_FORBIDDEN");
		expect((await api(bob, "POST", filterPath(alice), {})).status).toBe(403);
		expect((await api(alice, "GET", `${filterPath(alice)}/9999`)).status).toBe(404);
		// The stored filter applies to /sync: account data is filtered out entirely.
		await accountData(alice, "org.example.filtered", { x: 1 });
		const res = await sync(alice, { filter: created.body.filter_id as string });
		expect(res.body.account_data.events).toEqual([]);
	});

	it("refuses malformed filters and leaves nothing stored", async () => {
		for (const bad of [{ room: { timeline: { limit: 0 } } }, { room: { rooms: "!a:b" } }, { event_format: "xml" }, { presence: [] }]) {
			const res = await api(alice, "POST", filterPath(alice), bad);
			expect(res.status).toBe(400);
			expect(res.body.errcode).toBe("M_BAD_JSON");
		}
		expect((await sync(alice, { filter: "{not json" })).status).toBe(400);
		expect((await sync(alice, { filter: "424242" })).body).toMatchObject({ errcode: "M_INVALID_PARAM" });
		expect((await sync(alice, { filter: JSON.stringify({ room: { timeline: { limit: -1 } } }) })).status).toBe(400);
	});
});

describe("presence", () => {
	it("PUT/GET status, set_presence on /sync, and the m.presence event once", async () => {
		const path = `/_matrix/client/v3/presence/${enc(bob.user_id)}/status`;
		expect((await api(bob, "GET", path)).body).toEqual({ presence: "offline" });
		const initial = await sync(bob);
		expect((await api(bob, "PUT", path, { presence: "online", status_msg: "here" })).status).toBe(200);
		expect((await api(bob, "GET", path)).body).toMatchObject({ presence: "online", status_msg: "here", currently_active: true });
		// alice shares no room with bob: spec 403 "You are not allowed to see their presence" (sync-presence.test.ts).
		expect((await api(alice, "GET", path)).status).toBe(403);
		expect((await api(alice, "PUT", path, { presence: "online" })).status).toBe(403);
		expect((await api(bob, "PUT", path, { presence: "away" })).body.errcode).toBe("M_BAD_JSON");
		expect((await api(bob, "PUT", path, {})).body.errcode).toBe("M_MISSING_PARAM");
		const next = await sync(bob, { since: initial.body.next_batch });
		expect(next.body.presence.events).toEqual([
			expect.objectContaining({ type: "m.presence", sender: bob.user_id, content: expect.objectContaining({ presence: "online", status_msg: "here" }) }),
		]);
		const away = await sync(bob, { since: next.body.next_batch, set_presence: "unavailable" });
		expect(away.body.presence.events[0]?.content.presence).toBe("unavailable");
		expect((await api(bob, "GET", `/_matrix/client/v3/presence/${enc(`@nobody:${env.SERVER_NAME}`)}/status`)).status).toBe(404);
	});
});
