// POST /search: unencrypted events only, history visibility, filters, ordering, context, state, groups, paging.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { request } from "./cs-extra-helpers";
import { enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let plain = "";
let other = "";
let encrypted = "";
let txn = 0;

type Result = { rank: number; result: { event_id: string; room_id: string; sender: string; content: Record<string, unknown> }; context?: Record<string, unknown> };
type RoomEvents = { count: number; highlights: string[]; results: Result[]; next_batch?: string; state?: Record<string, unknown[]>; groups?: Record<string, Record<string, { order: number; results: string[]; next_batch?: string }>> };

async function room(user: TestUser, body: Record<string, unknown>, encrypt = false): Promise<string> {
	const res = await request(user, "POST", "/_matrix/client/v3/createRoom", body, encrypt ? undefined : { ENCRYPT_NEW_ROOMS: "false" });
	expect(res.status).toBe(200);
	await runDurableObjectAlarm(env.ROOM.getByName(String(res.body.room_id)));
	return String(res.body.room_id);
}

async function send(user: TestUser, roomId: string, type: string, content: Record<string, unknown>): Promise<string> {
	const res = await request(user, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/${type}/t${++txn}`, content);
	expect(res.status).toBe(200);
	return String(res.body.event_id);
}

async function search(user: TestUser, criteria: Record<string, unknown>, query = ""): Promise<{ status: number; roomEvents: RoomEvents; errcode?: string }> {
	const res = await request(user, "POST", `/_matrix/client/v3/search${query}`, { search_categories: { room_events: criteria } });
	const body = res.body as unknown as { search_categories?: { room_events: RoomEvents }; errcode?: string };
	return { status: res.status, roomEvents: body.search_categories?.room_events as RoomEvents, ...(body.errcode === undefined ? {} : { errcode: body.errcode }) };
}

const text = (body: string) => ({ msgtype: "m.text", body });

beforeAll(async () => {
	alice = await makeUser("search_alice");
	bob = await makeUser("search_bob");
	carol = await makeUser("search_carol");
	plain = await room(alice, { preset: "public_chat", name: "Martian planning", topic: "Plans for martians" });
	await send(alice, plain, "m.room.message", text("Early message before bob joined about martians"));
	expect((await request(bob, "POST", `/_matrix/client/v3/join/${enc(plain)}`, {})).status).toBe(200);
	await send(alice, plain, "m.room.message", text("martians and men"));
	await send(bob, plain, "m.room.message", text("Martians martians MARTIANS"));
	await send(alice, plain, "m.room.message", text("nothing relevant"));
	other = await room(bob, { preset: "public_chat" });
	expect((await request(alice, "POST", `/_matrix/client/v3/join/${enc(other)}`, {})).status).toBe(200);
	await send(bob, other, "m.room.message", text("men from mars: martians"));
	encrypted = await room(alice, { preset: "public_chat" }, true);
	// A client that (wrongly) puts plaintext next to ciphertext still is never matched: the type is never searched.
	await send(alice, encrypted, "m.room.encrypted", { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "AAAA", body: "martians" });
	for (const id of [plain, other, encrypted]) await runDurableObjectAlarm(env.ROOM.getByName(id));
});

describe("POST /search", () => {
	it("finds unencrypted events in joined rooms, never m.room.encrypted ones", async () => {
		const res = await search(alice, { search_term: "Martians" });
		expect(res.status).toBe(200);
		const types = res.roomEvents.results.map((r) => r.result.content.body ?? r.result.content.name ?? r.result.content.topic);
		expect(types).toHaveLength(res.roomEvents.count);
		expect(res.roomEvents.results.every((r) => r.result.room_id !== encrypted)).toBe(true);
		expect(res.roomEvents.highlights).toEqual(["martians"]);
		// Ranked: the message that is nearly all "martians" first.
		expect(res.roomEvents.results[0]!.result.content.body).toBe("Martians martians MARTIANS");
	});

	it("every word must match; keys narrow the fields", async () => {
		const res = await search(alice, { search_term: "martians men", order_by: "recent" });
		expect(res.roomEvents.results.map((r) => r.result.content.body)).toEqual(["men from mars: martians", "martians and men"]);
		const names = await search(alice, { search_term: "planning", keys: ["content.name"] });
		expect(names.roomEvents.results.map((r) => r.result.content.name)).toEqual(["Martian planning"]);
		expect((await search(alice, { search_term: "planning", keys: ["content.body"] })).roomEvents.count).toBe(0);
	});

	it("applies history visibility: shared history is found by later members, nothing by non-members", async () => {
		const res = await search(bob, { search_term: "early message" });
		// public_chat rooms have history_visibility "shared": members see history from before they joined.
		expect(res.roomEvents.count).toBe(1);
		expect((await search(carol, { search_term: "martians" })).roomEvents.count).toBe(0);
		const joinedOnly = await room(alice, { preset: "public_chat", initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }] });
		await send(alice, joinedOnly, "m.room.message", text("walrus before carol"));
		expect((await request(carol, "POST", `/_matrix/client/v3/join/${enc(joinedOnly)}`, {})).status).toBe(200);
		await send(alice, joinedOnly, "m.room.message", text("walrus after carol"));
		await runDurableObjectAlarm(env.ROOM.getByName(joinedOnly));
		const seen = await search(carol, { search_term: "walrus" });
		expect(seen.roomEvents.results.map((r) => r.result.content.body)).toEqual(["walrus after carol"]);
	});

	it("filters by room and sender, with context, state and groups", async () => {
		const res = await search(alice, {
			search_term: "martians",
			order_by: "recent",
			filter: { rooms: [plain], senders: [bob.user_id] },
			event_context: { before_limit: 1, after_limit: 1, include_profile: true },
			include_state: true,
			groupings: { group_by: [{ key: "room_id" }, { key: "sender" }] },
		});
		expect(res.roomEvents.results).toHaveLength(1);
		const hit = res.roomEvents.results[0]!;
		expect(hit.result.sender).toBe(bob.user_id);
		const ctx = hit.context as { events_before: { content: { body: string } }[]; events_after: { content: { body: string } }[]; profile_info: Record<string, unknown> };
		expect(ctx.events_before.map((e) => e.content.body)).toEqual(["martians and men"]);
		expect(ctx.events_after.map((e) => e.content.body)).toEqual(["nothing relevant"]);
		expect(Object.keys(ctx.profile_info).sort()).toEqual([alice.user_id, bob.user_id].sort());
		expect(Object.keys(res.roomEvents.state!)).toEqual([plain]);
		expect(res.roomEvents.groups!.room_id![plain]).toEqual({ order: 1, results: [hit.result.event_id] });
		expect(res.roomEvents.groups!.sender![bob.user_id]!.results).toEqual([hit.result.event_id]);
	});

	it("pages with next_batch until every result was served once", async () => {
		const criteria = { search_term: "martians", order_by: "recent", filter: { limit: 2 } };
		let page = await search(alice, criteria);
		const ids = page.roomEvents.results.map((r) => r.result.event_id);
		while (page.roomEvents.next_batch !== undefined) {
			page = await search(alice, criteria, `?next_batch=${enc(page.roomEvents.next_batch)}`);
			expect(page.roomEvents.results.length).toBeGreaterThan(0);
			ids.push(...page.roomEvents.results.map((r) => r.result.event_id));
		}
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids.length).toBe(page.roomEvents.count);
	});

	it("redacted events are not found", async () => {
		const id = await send(alice, plain, "m.room.message", text("zebra crossing"));
		expect((await search(alice, { search_term: "zebra" })).roomEvents.count).toBe(1);
		expect((await request(alice, "PUT", `/_matrix/client/v3/rooms/${enc(plain)}/redact/${enc(id)}/r${++txn}`, {})).status).toBe(200);
		expect((await search(alice, { search_term: "zebra" })).roomEvents.count).toBe(0);
	});

	it("bad input is 400", async () => {
		expect((await request(alice, "POST", "/_matrix/client/v3/search", {})).body.errcode).toBe("M_MISSING_PARAM");
		expect((await search(alice, {})).errcode).toBe("M_MISSING_PARAM");
		expect((await search(alice, { search_term: 5 })).errcode).toBe("M_BAD_JSON");
		expect((await search(alice, { search_term: "x", keys: ["content.secret"] })).errcode).toBe("M_BAD_JSON");
		expect((await search(alice, { search_term: "x", order_by: "best" })).errcode).toBe("M_BAD_JSON");
		expect((await search(alice, { search_term: "x", filter: { limit: 0 } })).errcode).toBe("M_BAD_JSON");
		expect((await search(alice, { search_term: "x" }, "?next_batch=bogus")).errcode).toBe("M_INVALID_PARAM");
		expect(await request(alice, "POST", "/_matrix/client/v3/search", { search_categories: {} })).toEqual({ status: 200, body: { search_categories: {} } });
	});
});
