// /messages pagination: every acknowledged event exactly once across pages, in both directions, with
// `to`, filters and lazy-loaded members; /context around an event; bad parameters refused.
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
let sent: string[] = [];

const R = (room: string) => `/_matrix/client/v3/rooms/${enc(room)}`;
interface Ev {
	event_id: string;
	type: string;
	sender: string;
	content: Record<string, unknown>;
	unsigned?: Record<string, unknown>;
}

async function pageAll(user: TestUser, dir: "b" | "f", limit: number, extra = ""): Promise<{ ids: string[]; pages: number }> {
	const ids: string[] = [];
	let from: string | undefined;
	for (let pages = 1; pages < 200; pages++) {
		const res = await api(user, "GET", `${R(roomId)}/messages?dir=${dir}&limit=${limit}${from === undefined ? "" : `&from=${from}`}${extra}`);
		expect(res.status).toBe(200);
		const chunk = res.body.chunk as Ev[];
		expect(chunk.length).toBeLessThanOrEqual(limit);
		ids.push(...chunk.map((e) => e.event_id));
		if (res.body.end === undefined || chunk.length === 0) return { ids, pages };
		from = res.body.end as string;
	}
	throw new Error("pagination did not end");
}

beforeAll(async () => {
	alice = await makeUser("msg-alice");
	bob = await makeUser("msg-bob");
	roomId = await createRoom(alice, { preset: "public_chat" });
	expect((await api(bob, "POST", `${R(roomId)}/join`, {})).status).toBe(200);
	// Concurrent sends from two users: the room orders them; reads must return each acknowledged one once.
	const results = await Promise.all(
		Array.from({ length: 24 }, (_, i) =>
			api(i % 2 === 0 ? alice : bob, "PUT", `${R(roomId)}/send/m.room.message/p${i}`, { msgtype: "m.text", body: `m${i}`, ...(i % 6 === 0 ? { url: "mxc://x/y" } : {}) }),
		),
	);
	sent = results.map((r) => r.body.event_id as string);
});

describe("GET /rooms/{roomId}/messages", () => {
	it("returns every acknowledged event exactly once paging backwards, and the same events forwards", async () => {
		const back = await pageAll(alice, "b", 7);
		expect(new Set(back.ids).size).toBe(back.ids.length);
		for (const id of sent) expect(back.ids).toContain(id);
		expect(back.pages).toBeGreaterThan(3);
		const fwd = await pageAll(alice, "f", 5);
		expect(fwd.ids).toEqual([...back.ids].reverse());
		// The first event of the room is its create event.
		const first = await api(alice, "GET", `${R(roomId)}/messages?dir=f&limit=1`);
		expect((first.body.chunk as Ev[])[0]!.type).toBe("m.room.create");
	});

	it("continues forwards from a backwards page's start without overlap, and stops at `to`", async () => {
		const newest = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=4`);
		const chunk = newest.body.chunk as Ev[];
		expect(chunk).toHaveLength(4);
		const older = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=4&from=${newest.body.end}`);
		const olderIds = (older.body.chunk as Ev[]).map((e) => e.event_id);
		expect(olderIds.some((id) => chunk.some((e) => e.event_id === id))).toBe(false);
		// Forwards from the older page's end back up to the first page's end covers exactly those 8 events.
		const between = await api(alice, "GET", `${R(roomId)}/messages?dir=f&limit=50&from=${older.body.end}&to=${newest.body.start}`);
		expect((between.body.chunk as Ev[]).map((e) => e.event_id)).toEqual([...olderIds.reverse(), ...chunk.map((e) => e.event_id).reverse()]);
	});

	it("applies a RoomEventFilter: senders, types with wildcards, contains_url, and lazy-loaded members", async () => {
		const f = (filter: unknown) => `&filter=${enc(JSON.stringify(filter))}`;
		const bobs = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=100${f({ senders: [bob.user_id], types: ["m.room.*"] })}`);
		const bobChunk = bobs.body.chunk as Ev[];
		expect(bobChunk.every((e) => e.sender === bob.user_id)).toBe(true);
		expect(bobChunk.filter((e) => e.type === "m.room.message")).toHaveLength(12);
		const urls = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=100${f({ contains_url: true })}`);
		expect((urls.body.chunk as Ev[]).map((e) => e.content.body).sort()).toEqual(["m0", "m12", "m18", "m6"]);
		const lazy = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=3${f({ lazy_load_members: true, types: ["m.room.message"] })}`);
		const members = (lazy.body.state as Ev[]).map((e) => (e as Ev & { state_key: string }).state_key).sort();
		const senders = [...new Set((lazy.body.chunk as Ev[]).map((e) => e.sender))].sort();
		expect(members).toEqual(senders);
	});

	it("accepts a /sync next_batch as from: paging back starts at the live end", async () => {
		const live = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=2`);
		const fromSync = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=2&from=s12_3_4`);
		expect(fromSync.status).toBe(200);
		const ids = (r: { body: Record<string, unknown> }) => (r.body.chunk as Ev[]).map((e) => e.event_id);
		expect(ids(fromSync)).toEqual(ids(live));
		expect(ids(live)).toHaveLength(2);
	});

	it("shows transaction_id only to the device that sent the event", async () => {
		const mine = await api(alice, "GET", `${R(roomId)}/event/${enc(sent[0]!)}`);
		expect(mine.body.unsigned).toMatchObject({ transaction_id: "p0" });
		const theirs = await api(bob, "GET", `${R(roomId)}/event/${enc(sent[0]!)}`);
		expect((theirs.body.unsigned as Record<string, unknown>).transaction_id).toBeUndefined();
	});

	it("refuses a missing or bad dir, a bad token, a bad limit and a bad filter with 400", async () => {
		const cases: [string, string][] = [
			["", "M_MISSING_PARAM"],
			["?dir=x", "M_INVALID_PARAM"],
			["?dir=b&from=nonsense", "M_INVALID_PARAM"],
			["?dir=b&limit=-1", "M_INVALID_PARAM"],
			["?dir=b&filter=%7Bnot-json", "M_INVALID_PARAM"],
			[`?dir=b&filter=${enc(JSON.stringify({ types: "m.room.message" }))}`, "M_INVALID_PARAM"],
		];
		for (const [query, errcode] of cases) {
			const res = await api(alice, "GET", `${R(roomId)}/messages${query}`);
			expect(res.status, query).toBe(400);
			expect(res.body.errcode, query).toBe(errcode);
		}
	});
});

describe("GET /rooms/{roomId}/context/{eventId}", () => {
	it("returns the event with events before and after, split from limit, tokens that continue, and state", async () => {
		const target = sent[12]!;
		const res = await api(alice, "GET", `${R(roomId)}/context/${enc(target)}?limit=6`);
		expect(res.status).toBe(200);
		expect((res.body.event as Ev).event_id).toBe(target);
		const before = res.body.events_before as Ev[];
		const after = res.body.events_after as Ev[];
		expect(before).toHaveLength(3);
		expect(after).toHaveLength(3);
		// events_before runs backwards from the event; the next /messages page continues from `start`.
		const next = await api(alice, "GET", `${R(roomId)}/messages?dir=b&limit=1&from=${res.body.start}`);
		const all = await pageAll(alice, "b", 100);
		const at = all.ids.indexOf(target);
		expect(before.map((e) => e.event_id)).toEqual(all.ids.slice(at + 1, at + 4));
		expect((next.body.chunk as Ev[])[0]!.event_id).toBe(all.ids[at + 4]);
		expect(after.map((e) => e.event_id)).toEqual(all.ids.slice(at - 3, at).reverse());
		expect((res.body.state as Ev[]).some((e) => e.type === "m.room.create")).toBe(true);
		expect((await api(alice, "GET", `${R(roomId)}/context/${enc(`$${"A".repeat(43)}`)}`)).status).toBe(404);
	});
});
