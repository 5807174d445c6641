// State, members, redacted events, relations, threads, timestamp lookup and reports, as a member reads them.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { countReports } from "../../src/worker/d1/reports";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
let root: string;

const R = (room: string) => `/_matrix/client/v3/rooms/${enc(room)}`;
const R1 = (room: string) => `/_matrix/client/v1/rooms/${enc(room)}`;
let txn = 0;
const send = async (user: TestUser, content: Record<string, unknown>, type = "m.room.message"): Promise<string> => {
	const res = await api(user, "PUT", `${R(roomId)}/send/${enc(type)}/x${txn++}`, content);
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};
type Ev = { event_id: string; type: string; state_key?: string; content: Record<string, unknown>; unsigned?: Record<string, unknown> };

beforeAll(async () => {
	alice = await makeUser("state-alice");
	bob = await makeUser("state-bob");
	carol = await makeUser("state-carol");
	roomId = await createRoom(alice, { name: "Reading", preset: "public_chat" });
	expect((await api(bob, "POST", `${R(roomId)}/join`, {})).status).toBe(200);
	expect((await api(alice, "POST", `${R(roomId)}/invite`, { user_id: carol.user_id })).status).toBe(200);
	root = await send(alice, { msgtype: "m.text", body: "root" });
});

describe("state and members", () => {
	it("GET /state lists current state; /state/{type}/ reads the empty state key, with format=event too", async () => {
		const all = await api(bob, "GET", `${R(roomId)}/state`);
		expect(all.status).toBe(200);
		expect((all.body as unknown as Ev[]).map((e) => e.type)).toContain("m.room.encryption");
		expect(await api(bob, "GET", `${R(roomId)}/state/m.room.name/`)).toEqual({ status: 200, body: { name: "Reading" } });
		expect(await api(bob, "GET", `${R(roomId)}/state/m.room.name`)).toEqual({ status: 200, body: { name: "Reading" } });
		const ev = await api(bob, "GET", `${R(roomId)}/state/m.room.name/?format=event`);
		expect(ev.body).toMatchObject({ type: "m.room.name", state_key: "", room_id: roomId, content: { name: "Reading" } });
		const member = await api(bob, "GET", `${R(roomId)}/state/m.room.member/${enc(alice.user_id)}`);
		expect(member.body).toMatchObject({ membership: "join" });
		const missing = await api(bob, "GET", `${R(roomId)}/state/m.room.topic/`);
		expect(missing.status).toBe(404);
		expect(missing.body.errcode).toBe("M_NOT_FOUND");
	});

	it("GET /members filters by membership and not_membership; /joined_members lists joined users", async () => {
		const members = async (q: string) =>
			((await api(bob, "GET", `${R(roomId)}/members${q}`)).body.chunk as Ev[]).map((e) => `${e.state_key}:${e.content.membership}`).sort();
		expect(await members("")).toEqual([`${alice.user_id}:join`, `${bob.user_id}:join`, `${carol.user_id}:invite`].sort());
		expect(await members("?membership=invite")).toEqual([`${carol.user_id}:invite`]);
		expect(await members("?not_membership=invite")).toEqual([`${alice.user_id}:join`, `${bob.user_id}:join`].sort());
		expect((await api(bob, "GET", `${R(roomId)}/members?membership=bogus`)).status).toBe(400);
		const joined = await api(bob, "GET", `${R(roomId)}/joined_members`);
		expect(Object.keys(joined.body.joined as object).sort()).toEqual([alice.user_id, bob.user_id].sort());
		// An invitee is not yet a member: no member list.
		expect((await api(carol, "GET", `${R(roomId)}/joined_members`)).status).toBe(403);
	});

	it("GET /members?at= reads the member list as it was at a token", async () => {
		const page = await api(bob, "GET", `${R(roomId)}/messages?dir=f&limit=3`);
		const early = await api(bob, "GET", `${R(roomId)}/members?at=${page.body.end}`);
		expect((early.body.chunk as Ev[]).map((e) => e.state_key)).toEqual([alice.user_id]);
	});
});

describe("redactions", () => {
	it("serves a redacted event in redacted form with redacted_because, to every reader", async () => {
		const id = await send(bob, { msgtype: "m.text", body: "oops" });
		const red = await api(bob, "PUT", `${R(roomId)}/redact/${enc(id)}/r1`, { reason: "typo" });
		expect(red.status).toBe(200);
		for (const reader of [alice, bob]) {
			const ev = await api(reader, "GET", `${R(roomId)}/event/${enc(id)}`);
			expect(ev.body.content).toEqual({});
			expect((ev.body.unsigned as Record<string, unknown>).redacted_because).toMatchObject({ event_id: red.body.event_id, type: "m.room.redaction", redacts: id });
		}
	});
});

describe("relations, threads and timestamps", () => {
	it("lists relations of an event, by rel_type and event type, paging with next_batch", async () => {
		const reaction = await send(bob, { "m.relates_to": { rel_type: "m.annotation", event_id: root, key: "👍" } }, "m.reaction");
		const replies: string[] = [];
		for (let i = 0; i < 3; i++) replies.push(await send(i === 1 ? bob : alice, { msgtype: "m.text", body: `t${i}`, "m.relates_to": { rel_type: "m.thread", event_id: root } }));
		const all = await api(alice, "GET", `${R1(roomId)}/relations/${enc(root)}`);
		expect((all.body.chunk as Ev[]).map((e) => e.event_id)).toEqual([...replies].reverse().concat(reaction).slice(0, 4));
		const threads = await api(alice, "GET", `${R1(roomId)}/relations/${enc(root)}/m.thread?limit=2`);
		expect((threads.body.chunk as Ev[]).map((e) => e.event_id)).toEqual([replies[2], replies[1]]);
		const rest = await api(alice, "GET", `${R1(roomId)}/relations/${enc(root)}/m.thread?limit=2&from=${threads.body.next_batch}`);
		expect((rest.body.chunk as Ev[]).map((e) => e.event_id)).toEqual([replies[0]]);
		expect(rest.body.next_batch).toBeUndefined();
		const byType = await api(alice, "GET", `${R1(roomId)}/relations/${enc(root)}/m.annotation/m.reaction`);
		expect((byType.body.chunk as Ev[]).map((e) => e.event_id)).toEqual([reaction]);

		const list = await api(alice, "GET", `${R1(roomId)}/threads`);
		const rootEv = (list.body.chunk as Ev[])[0]!;
		expect(rootEv.event_id).toBe(root);
		expect((rootEv.unsigned!["m.relations"] as Record<string, Record<string, unknown>>)["m.thread"]).toMatchObject({
			count: 3,
			current_user_participated: true,
			latest_event: { event_id: replies[2] },
		});
		expect(((await api(carol, "GET", `${R1(roomId)}/threads?include=participated`)).status)).toBe(200);
	});

	it("bundles the thread summary, the newest edit by the sender, and references into the parent event", async () => {
		const parent = await send(alice, { msgtype: "m.text", body: "draft" });
		const edit = (by: TestUser, body: string) =>
			send(by, { msgtype: "m.text", body: `* ${body}`, "m.new_content": { msgtype: "m.text", body }, "m.relates_to": { rel_type: "m.replace", event_id: parent } });
		await edit(alice, "v1");
		const v2 = await edit(alice, "v2");
		await edit(bob, "not yours");
		const ref = await send(bob, { msgtype: "m.text", body: "see above", "m.relates_to": { rel_type: "m.reference", event_id: parent } });
		const ev = await api(bob, "GET", `${R(roomId)}/event/${enc(parent)}`);
		const relations = (ev.body.unsigned as Record<string, Record<string, Record<string, unknown>>>)["m.relations"]!;
		expect(relations["m.replace"]).toMatchObject({ event_id: v2, content: { "m.new_content": { body: "v2" } } });
		expect(relations["m.reference"]).toEqual({ chunk: [{ event_id: ref }] });
		// The server does not apply the edit to the original's content.
		expect(ev.body.content).toMatchObject({ body: "draft" });
		const rootEv = await api(alice, "GET", `${R(roomId)}/event/${enc(root)}`);
		expect((rootEv.body.unsigned as Record<string, Record<string, Record<string, unknown>>>)["m.relations"]!["m.thread"]).toMatchObject({ count: 3 });
	});

	it("finds the event closest to a timestamp in either direction", async () => {
		const ev = await api(alice, "GET", `${R(roomId)}/event/${enc(root)}`);
		const ts = ev.body.origin_server_ts as number;
		const f = await api(alice, "GET", `${R1(roomId)}/timestamp_to_event?ts=${ts}&dir=f`);
		expect(f.status).toBe(200);
		expect(f.body.origin_server_ts as number).toBeGreaterThanOrEqual(ts);
		const b = await api(alice, "GET", `${R1(roomId)}/timestamp_to_event?ts=${ts - 1}&dir=b`);
		expect(b.body.origin_server_ts as number).toBeLessThan(ts);
		expect((await api(alice, "GET", `${R1(roomId)}/timestamp_to_event?ts=1&dir=b`)).status).toBe(404);
		expect((await api(alice, "GET", `${R1(roomId)}/timestamp_to_event?dir=b`)).body.errcode).toBe("M_MISSING_PARAM");
	});
});

describe("POST /rooms/{roomId}/report/{eventId}", () => {
	it("stores a report of a visible event, and answers 404 for events the reporter cannot see", async () => {
		const before = await countReports(env.DB, roomId);
		expect(await api(bob, "POST", `${R(roomId)}/report/${enc(root)}`, { reason: "spam", score: -50 })).toEqual({ status: 200, body: {} });
		expect(await countReports(env.DB, roomId)).toBe(before + 1);
		const outsider = await makeUser("state-dave");
		expect((await api(outsider, "POST", `${R(roomId)}/report/${enc(root)}`, { reason: "x" })).status).toBe(404);
		expect((await api(bob, "POST", `${R(roomId)}/report/${enc(root)}`, { score: 5 })).status).toBe(400);
		expect(await countReports(env.DB, roomId)).toBe(before + 1);
	});
});

describe("read indexes", () => {
	it("relation and thread lookups use the expression indexes, not a table scan", async () => {
		const { runInDurableObject } = await import("cloudflare:test");
		await runInDurableObject(env.ROOM.getByName(roomId), (_i, state) => {
			const plan = (sql: string, ...args: (string | number)[]) =>
				state.storage.sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...args).toArray().map((r) => r.detail).join(" | ");
			expect(plan(`SELECT event_id FROM events WHERE json_extract(pdu, '$.content."m.relates_to".event_id') = ? AND stream_ordering > 0`, root)).toContain("events_relates_to");
			expect(plan(`SELECT event_id FROM events WHERE json_extract(pdu, '$.content."m.relates_to".rel_type') = 'm.thread'`)).toContain("events_rel_type");
		});
	});
});
