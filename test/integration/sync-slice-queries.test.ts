// A cold initial /sync slice (nothing remembered by the room) looks up what its events need per scan batch,
// not per event (room/read-prefetch.ts): a timeline of 30 state events asks no more queries than one of 7,
// and a timeline of 20 messages (with their bundled relations) and a state section no more than one of 5.
// The answers it serves stay the same: prev_content of a state event whose predecessor was redacted is the
// redacted content, the redaction shows as redacted_because, and transaction_id reaches only the sending device.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SyncSlice, SyncSliceRequest } from "../../src/worker/room/api";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

function request(user: TestUser, over: Partial<SyncSliceRequest> = {}): SyncSliceRequest & { device_id: string } {
	return { user_id: user.user_id, device_id: user.device_id, since: null, timeline_limit: 40, full_state: false, lazy_load_members: false, use_state_after: false, ...over };
}

/** An initial slice computed inside the room, with the SQL statements it ran counted. */
async function countedSlice(roomId: string, req: SyncSliceRequest & { device_id: string }): Promise<{ slice: SyncSlice; queries: number; texts: string[] }> {
	return runInDurableObject(env.ROOM.getByName(roomId), (instance: object, state: DurableObjectState) => {
		const sql = state.storage.sql;
		const exec = sql.exec;
		let queries = 0;
		const texts: string[] = [];
		sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
			queries++;
			texts.push(query);
			return exec.call(sql, query, ...bindings);
		}) as typeof sql.exec;
		try {
			const result = (instance as { getSyncSliceJson(r: SyncSliceRequest): { ok: boolean; value?: string } }).getSyncSliceJson(req);
			if (!result.ok || result.value === undefined) throw new Error("slice refused");
			return { slice: JSON.parse(result.value) as SyncSlice, queries, texts };
		} finally {
			sql.exec = exec;
		}
	});
}

const R = (roomId: string) => `/_matrix/client/v3/rooms/${enc(roomId)}`;
const setTopic = async (user: TestUser, roomId: string, topic: string) => {
	const res = await api(user, "PUT", `${R(roomId)}/state/m.room.topic/`, { topic });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
};

describe("cold initial slice", () => {
	it("asks no more queries for 30 state events than for 7", async () => {
		const carol = await makeUser("ssq-carol");
		const small = await createRoom(carol, { preset: "private_chat" });
		const large = await createRoom(carol, { preset: "private_chat" });
		for (let i = 0; i < 23; i++) await setTopic(carol, large, `topic ${i}`);
		const a = await countedSlice(small, request(carol));
		const b = await countedSlice(large, request(carol));
		expect(a.slice.timeline.length).toBe(7);
		expect(b.slice.timeline.length).toBe(30);
		expect(b.queries).toBeLessThanOrEqual(a.queries + 1);
		// Each topic change still names the one it replaced.
		const topics = b.slice.timeline.filter((e) => e.type === "m.room.topic");
		expect(topics[1]!.unsigned).toMatchObject({ replaces_state: topics[0]!.event_id, prev_content: { topic: "topic 0" } });
		expect(topics[0]!.unsigned?.prev_content).toBeUndefined();
	});

	it("prev_content of a redacted predecessor is redacted; transaction_id only for the sending device", async () => {
		const dave = await makeUser("ssq-dave");
		const roomId = await createRoom(dave, { preset: "private_chat" });
		const old = await setTopic(dave, roomId, "secret topic");
		const red = await api(dave, "PUT", `${R(roomId)}/redact/${enc(old)}/r1`, {});
		expect(red.status).toBe(200);
		await setTopic(dave, roomId, "new topic");
		const sent = await api(dave, "PUT", `${R(roomId)}/send/m.room.message/t-ssq`, { msgtype: "m.text", body: "hi" });
		expect(sent.status).toBe(200);
		const { slice } = await countedSlice(roomId, request(dave));
		const [first, second] = slice.timeline.filter((e) => e.type === "m.room.topic");
		expect(first).toMatchObject({ event_id: old, content: {} });
		expect(first!.unsigned?.redacted_because).toMatchObject({ event_id: red.body.event_id, type: "m.room.redaction" });
		expect(second!.unsigned).toMatchObject({ replaces_state: old, prev_content: {} });
		expect(slice.timeline.at(-1)!.unsigned).toMatchObject({ transaction_id: "t-ssq" });
		const other = await countedSlice(roomId, request({ ...dave, device_id: "OTHERDEV" }));
		expect(other.slice.timeline.at(-1)!.unsigned?.transaction_id).toBeUndefined();
	});

	it("asks no more queries for 20 messages with relations than for 5; bundles and state unchanged", async () => {
		const erin = await makeUser("ssq-erin");
		const frank = await makeUser("ssq-frank");
		const roomId = await createRoom(erin, { preset: "private_chat", invite: [frank.user_id] });
		expect((await api(frank, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
		const say = async (user: TestUser, txn: string, content: Record<string, unknown>) => {
			const res = await api(user, "PUT", `${R(roomId)}/send/m.room.message/${txn}`, { msgtype: "m.text", ...content });
			expect(res.status).toBe(200);
			return res.body.event_id as string;
		};
		const roots: string[] = [];
		for (let i = 0; i < 16; i++) roots.push(await say(i % 2 === 0 ? erin : frank, `m${i}`, { body: `m${i}` }));
		await say(frank, "reply", { body: "reply", "m.relates_to": { rel_type: "m.thread", event_id: roots[14] } });
		await say(erin, "edit", { body: "* m14", "m.new_content": { msgtype: "m.text", body: "m14 edited" }, "m.relates_to": { rel_type: "m.replace", event_id: roots[14] } });
		for (let i = 0; i < 3; i++) await say(erin, `n${i}`, { body: `n${i}` });
		const few = await countedSlice(roomId, request(erin, { timeline_limit: 5 }));
		const many = await countedSlice(roomId, request(erin, { timeline_limit: 20 }));
		expect(few.slice.limited).toBe(true);
		expect(many.slice.timeline).toHaveLength(20);
		expect(many.queries).toBeLessThanOrEqual(few.queries + 1);
		// erin sent the root, so she took part in its thread.
		const root = many.slice.timeline.find((e) => e.event_id === roots[14])!;
		const relations = root.unsigned?.["m.relations"] as Record<string, Record<string, unknown>>;
		expect(relations["m.thread"]).toMatchObject({ count: 1, current_user_participated: true, latest_event: { content: { body: "reply" } } });
		expect(relations["m.replace"]).toMatchObject({ content: { body: "* m14" } });
		// The state section (the room's state at the start of a limited timeline) is served whole.
		expect(few.slice.state.map((e) => e.type)).toEqual(expect.arrayContaining(["m.room.create", "m.room.power_levels", "m.room.member"]));
		expect(few.slice.state.filter((e) => e.type === "m.room.member").map((e) => e.state_key).sort()).toEqual([erin.user_id, frank.user_id].sort());
	});
});

/** The query that reads a whole state group (room/store.ts getStateGroup): a state map of the entire room. */
const readsWholeState = (texts: string[]) => texts.filter((q) => q.includes("SELECT c.n AS n, c.prev AS prev")).length;

describe("incremental slice", () => {
	it("builds no state map when no state came since; a state change in the gap and a join since still show", async () => {
		const gina = await makeUser("ssq-gina");
		const hal = await makeUser("ssq-hal");
		const roomId = await createRoom(gina, { preset: "private_chat", invite: [hal.user_id] });
		for (let i = 0; i < 20; i++) await setTopic(gina, roomId, `topic ${i}`);
		const beforeJoin = (await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position;
		expect((await api(hal, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
		const say = async (txn: string) => {
			const res = await api(gina, "PUT", `${R(roomId)}/send/m.room.message/${txn}`, { msgtype: "m.text", body: txn });
			expect(res.status).toBe(200);
			return res.body.event_id as string;
		};
		await say("a");
		const since = (await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position;
		const b = await say("b");
		const quiet = await countedSlice(roomId, request(hal, { since }));
		expect(quiet.slice.timeline.map((e) => e.event_id)).toEqual([b]);
		expect(quiet.slice.state).toEqual([]);
		expect(readsWholeState(quiet.texts)).toBe(0);

		// A topic change before the (limited) timeline's start is in the state section.
		await setTopic(gina, roomId, "changed in the gap");
		await say("c");
		const gap = await countedSlice(roomId, request(hal, { since, timeline_limit: 1 }));
		expect(gap.slice.limited).toBe(true);
		expect(gap.slice.state.map((e) => e.content)).toContainEqual({ topic: "changed in the gap" });

		// Not joined at `since`: the whole state, m.room.create included.
		const joined = await countedSlice(roomId, request(hal, { since: beforeJoin }));
		expect(joined.slice.state.map((e) => e.type)).toEqual(expect.arrayContaining(["m.room.create", "m.room.encryption"]));
	});
});
