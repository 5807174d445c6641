// Outbound backfill: a local user joins a room held elsewhere that already has history. The history
// before the join comes over /backfill (with /state at its oldest events when needed), is checked like
// any received event, and /messages pages back through it in order with stable tokens, asking the
// resident for more when it reaches the oldest event held. History visibility applies to it; /sync, other
// servers and notifications never hear of it as news.
// Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events,
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidmessages
import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { JsonObject, Pdu } from "../../src/protocol/events/pdu";
import { draftEvent, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { destinationIdle, installReceiver, type Receiver } from "./federation-outbound-helpers";
import { buildRemoteRoom, idOf, type RemoteRoom, VERSION } from "./federation-remote-room-helpers";
import { api, enc, makeUser, type TestUser } from "./rooms-helpers";

/** A remote room with its whole timeline, oldest first, and the state before each event. */
interface History {
	room: RemoteRoom;
	events: { event_id: string; pdu: Pdu }[];
	stateBefore: Map<string, Map<string, string>>;
}

let resident: RemoteServer;
/** A second server with a member in some rooms: asked when the resident gives no answer. */
let mirror: RemoteServer;
let receiver: Receiver;
const histories = new Map<string, History>();
/** The most events the resident returns per /backfill (a server may return fewer than asked). */
let cap = 100;
/** Servers (by host) whose /backfill answers 500. */
const failing = new Set<string>();
const backfillRequests: string[] = [];

function byId(h: History, id: string): Pdu | undefined {
	return h.events.find((e) => e.event_id === id)?.pdu;
}

/** The resident: make_join, send_join, and the history endpoints, answered from `histories`. */
function residentRoutes(app: Hono): void {
	app.get("/_matrix/federation/v1/make_join/:roomId/:userId", (c) => {
		const h = histories.get(c.req.param("roomId"))!;
		const userId = c.req.param("userId");
		const auth = [idOf(h.room, "m.room.create|"), idOf(h.room, "m.room.power_levels|"), idOf(h.room, "m.room.join_rules|")];
		return c.json({ room_version: VERSION, event: draftEvent(h.room.room_id, userId, "m.room.member", { membership: "join" }, [h.room.last], auth, h.room.depth + 1, userId) });
	});
	app.put("/_matrix/federation/v2/send_join/:roomId/:eventId", async (c) => {
		const h = histories.get(c.req.param("roomId"))!;
		const state = [...h.room.state.values()].map((s) => s.pdu);
		return c.json({ origin: resident.name, state, auth_chain: state, members_omitted: false });
	});
	// As the spec (and our own serving) has it: the `v` events and their ancestors, newest first by depth.
	app.get("/_matrix/federation/v1/backfill/:roomId", (c) => {
		backfillRequests.push(c.req.url);
		if (failing.has(new URL(c.req.url).hostname)) return c.json({ errcode: "M_UNKNOWN", error: "remote detail" }, 500);
		const h = histories.get(c.req.param("roomId"))!;
		const limit = Math.min(Number(c.req.query("limit")), cap);
		const out: Pdu[] = [];
		let frontier = (c.req.queries("v") ?? []).filter((id) => byId(h, id) !== undefined);
		const seen = new Set(frontier);
		while (frontier.length > 0 && out.length < limit) {
			frontier.sort((a, b) => byId(h, b)!.depth - byId(h, a)!.depth);
			const pdu = byId(h, frontier.shift()!)!;
			out.push(pdu);
			for (const prev of pdu.prev_events as string[]) if (!seen.has(prev) && byId(h, prev)) (seen.add(prev), frontier.push(prev));
		}
		return c.json({ origin: resident.name, origin_server_ts: Date.now(), pdus: out });
	});
	app.get("/_matrix/federation/v1/state/:roomId", (c) => {
		const h = histories.get(c.req.param("roomId"))!;
		const state = h.stateBefore.get(c.req.query("event_id") ?? "");
		if (state === undefined) return c.json({ errcode: "M_NOT_FOUND", error: "no" }, 404);
		const pdus = [...state.values()].map((id) => byId(h, id)!);
		return c.json({ pdus, auth_chain: pdus });
	});
}

/** A remote room: its state events, then `messages` messages by its creator; `hvAt` switches visibility. */
async function buildHistory(tag: string, messages: number, hvAt: Map<number, string> = new Map(), withMirror = false): Promise<History> {
	const room = await buildRemoteRoom(resident, tag);
	const h: History = { room, events: [], stateBefore: new Map() };
	const state = new Map<string, string>();
	for (const s of [...room.state.values()].sort((a, b) => a.pdu.depth - b.pdu.depth)) {
		h.stateBefore.set(s.event_id, new Map(state));
		h.events.push(s);
		state.set(`${s.pdu.type}|${s.pdu.state_key}`, s.event_id);
	}
	const add = async (type: string, content: JsonObject, stateKey?: string) => {
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, `m.room.member|${room.creator}`)];
		room.depth += 1;
		const signed = await signAs(resident, VERSION, draftEvent(room.room_id, room.creator, type, content, [room.last], auth, room.depth, stateKey));
		h.stateBefore.set(signed.event_id, new Map(state));
		h.events.push(signed);
		room.last = signed.event_id;
		if (stateKey !== undefined) {
			room.state.set(`${type}|${stateKey}`, signed);
			state.set(`${type}|${stateKey}`, signed.event_id);
		}
	};
	if (withMirror) {
		// @dan of the mirror server joins: the room's state then names a second server to ask for history.
		const dan = `@dan:${mirror.name}`;
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, "m.room.join_rules|")];
		room.depth += 1;
		const signed = await signAs(mirror, VERSION, draftEvent(room.room_id, dan, "m.room.member", { membership: "join" }, [room.last], auth, room.depth, dan));
		h.stateBefore.set(signed.event_id, new Map(state));
		h.events.push(signed);
		room.last = signed.event_id;
		room.state.set(`m.room.member|${dan}`, signed);
		state.set(`m.room.member|${dan}`, signed.event_id);
	}
	for (let i = 1; i <= messages; i++) {
		const hv = hvAt.get(i);
		if (hv !== undefined) await add("m.room.history_visibility", { history_visibility: hv }, "");
		await add("m.room.message", { msgtype: "m.text", body: `${tag} ${i}` });
	}
	histories.set(room.room_id, h);
	return h;
}

interface Page {
	chunk: { event_id: string; type: string; content: { body?: string } }[];
	start: string;
	end?: string;
}

/** Pages /messages backwards from the live end to the room's beginning (bounded); every page in order. */
async function pageBack(user: TestUser, roomId: string, limit: number): Promise<Page[]> {
	const pages: Page[] = [];
	let from: string | undefined;
	for (let i = 0; i < 40; i++) {
		const res = await api(user, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=${limit}${from === undefined ? "" : `&from=${from}`}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const page = res.body as unknown as Page;
		if (from !== undefined) expect(page.start).toBe(from);
		pages.push(page);
		if (page.end === undefined) return pages;
		from = page.end;
	}
	throw new Error("no end of history after 40 pages");
}

const bodies = (pages: Page[]) => pages.flatMap((p) => p.chunk).filter((e) => e.type === "m.room.message").map((e) => e.content.body!);

beforeAll(async () => {
	resident = await remoteServer("history.example", 41);
	mirror = await remoteServer("mirror.example", 42);
	await seedKeys([resident, mirror]);
	receiver = installReceiver({}, residentRoutes);
});

afterAll(async () => {
	// Rooms may still be sending to these servers: the mocked network must outlive those sends
	// (federation-outbound-helpers.ts destinationIdle says why).
	await destinationIdle(resident.name);
	await destinationIdle(mirror.name);
	vi.restoreAllMocks();
});

describe("outbound backfill", () => {
	it("a join brings the history before it: /messages returns all 30 messages once, in order, then the room's creation", async () => {
		cap = 100;
		const h = await buildHistory("thirty", 30);
		const bob = await makeUser("backfillbob");
		const joined = await api(bob, "POST", `/_matrix/client/v3/join/${enc(h.room.room_id)}?server_name=${resident.name}`, {});
		expect(joined.status, JSON.stringify(joined.body)).toBe(200);
		const requestsAtJoin = backfillRequests.length;

		const pages = await pageBack(bob, h.room.room_id, 7);
		const all = pages.flatMap((p) => p.chunk);
		expect(bodies(pages)).toEqual(Array.from({ length: 30 }, (_, i) => `thirty ${30 - i}`));
		expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
		expect(all[0]).toMatchObject({ type: "m.room.member", state_key: bob.user_id });
		// Topological order throughout: send_join's state sits at its place in history, creation last.
		expect(all.map((e) => e.event_id).slice(1)).toEqual(h.events.map((e) => e.event_id).reverse());
		// The whole history came with the join: paging asked nobody again (the room holds its creation).
		expect(backfillRequests.length).toBe(requestsAtJoin);
		// Forward from the room's beginning: the same events the other way round.
		const forward = await api(bob, "GET", `/_matrix/client/v3/rooms/${enc(h.room.room_id)}/messages?dir=f&limit=100`);
		expect((forward.body.chunk as { event_id: string }[]).map((e) => e.event_id)).toEqual(all.map((e) => e.event_id).reverse());
		// Backfilled events are ours to serve too (GET /event finds them through the event index the drain fills).
		const oldest = h.events.find((e) => (e.pdu.content as { body?: string }).body === "thirty 1")!;
		let served = await fed(resident, "GET", `/_matrix/federation/v1/event/${enc(oldest.event_id)}`);
		for (let i = 0; i < 20 && served.status !== 200; i++) {
			await new Promise((r) => setTimeout(r, 100));
			served = await fed(resident, "GET", `/_matrix/federation/v1/event/${enc(oldest.event_id)}`);
		}
		expect(served.status).toBe(200);
		expect((served.body.pdus as Pdu[])[0]!.content).toEqual(oldest.pdu.content);
	});

	it("history visibility applies to backfilled events: 'joined' history is hidden from a later joiner, 'shared' is not", async () => {
		cap = 100;
		const h = await buildHistory("hidden", 10, new Map([[6, "joined"]]));
		const eve = await makeUser("backfilleve");
		expect((await api(eve, "POST", `/_matrix/client/v3/join/${enc(h.room.room_id)}?server_name=${resident.name}`, {})).status).toBe(200);
		const pages = await pageBack(eve, h.room.room_id, 50);
		expect(bodies(pages)).toEqual(["hidden 5", "hidden 4", "hidden 3", "hidden 2", "hidden 1"]);
		// Each hidden event is refused one by one as well.
		const hiddenId = h.events.find((e) => (e.pdu.content as { body?: string }).body === "hidden 7")!.event_id;
		expect((await api(eve, "GET", `/_matrix/client/v3/rooms/${enc(h.room.room_id)}/event/${enc(hiddenId)}`)).status).toBe(404);
	});

	it("/messages at the oldest event held asks the resident for more, then continues with no gap and no repeat", async () => {
		// The resident hands out 8 events per request: the join's two rounds bring only the newest part.
		cap = 8;
		const h = await buildHistory("paged", 30);
		const fay = await makeUser("backfillfay");
		expect((await api(fay, "POST", `/_matrix/client/v3/join/${enc(h.room.room_id)}?server_name=${resident.name}`, {})).status).toBe(200);
		const synced = await api(fay, "GET", "/_matrix/client/v3/sync?timeout=0");
		const before = backfillRequests.length;
		const pages = await pageBack(fay, h.room.room_id, 5);
		expect(bodies(pages)).toEqual(Array.from({ length: 30 }, (_, i) => `paged ${30 - i}`));
		const all = pages.flatMap((p) => p.chunk);
		expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
		// Every event of the room once (the creation among them), and a bounded number of requests.
		expect(new Set(all.map((e) => e.event_id))).toEqual(new Set([...h.events.map((e) => e.event_id), all[0]!.event_id]));
		expect(backfillRequests.length - before).toBeGreaterThanOrEqual(2);
		expect(backfillRequests.length - before).toBeLessThanOrEqual(pages.length);

		// History is not news: an incremental /sync shows none of it, and no server was sent any of it.
		const again = await api(fay, "GET", `/_matrix/client/v3/sync?timeout=0&since=${enc(synced.body.next_batch as string)}`);
		const rooms = (again.body.rooms as { join?: Record<string, { timeline: { events: unknown[] } }> } | undefined)?.join ?? {};
		expect(rooms[h.room.room_id]?.timeline.events ?? []).toEqual([]);
		expect(receiver.received.filter((t) => t.raw.includes('"body":"paged '))).toEqual([]);
	});

	it("after a join whose backfill failed, a later backfill adds history beneath what a client already read", async () => {
		cap = 100;
		const h = await buildHistory("later", 12);
		const ivy = await makeUser("backfillivy");
		failing.add(resident.name);
		try {
			expect((await api(ivy, "POST", `/_matrix/client/v3/join/${enc(h.room.room_id)}?server_name=${resident.name}`, {})).status).toBe(200);
			// Only send_join's state and the join, and no error.
			expect(bodies(await pageBack(ivy, h.room.room_id, 4))).toEqual([]);
		} finally {
			failing.clear();
		}
		// The memo of the futile round lapses; the next page at the bottom asks again.
		vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ["Date"] });
		try {
			const pages = await pageBack(ivy, h.room.room_id, 4);
			expect(bodies(pages)).toEqual(Array.from({ length: 12 }, (_, i) => `later ${12 - i}`));
			const ids = pages.flatMap((p) => p.chunk).map((e) => e.event_id);
			expect(new Set(ids).size).toBe(ids.length);
			expect(new Set(ids)).toEqual(new Set([...h.events.map((e) => e.event_id), ids[0]]));
		} finally {
			vi.useRealTimers();
		}
	});

	it("when the server joined through gives no answer, the next page asks another server in the room", async () => {
		cap = 100;
		const h = await buildHistory("mirrored", 8, new Map(), true);
		const joy = await makeUser("backfilljoy");
		failing.add(resident.name);
		try {
			expect((await api(joy, "POST", `/_matrix/client/v3/join/${enc(h.room.room_id)}?server_name=${resident.name}`, {})).status).toBe(200);
			expect(bodies(await pageBack(joy, h.room.room_id, 10))).toEqual([]);
			const asked = backfillRequests.length;
			const pages = await pageBack(joy, h.room.room_id, 10);
			expect(bodies(pages)).toEqual(Array.from({ length: 8 }, (_, i) => `mirrored ${8 - i}`));
			expect(backfillRequests.slice(asked).map((url) => new URL(url).hostname)).toEqual([mirror.name]);
		} finally {
			failing.clear();
		}
	});

	it("a failing resident leaves /messages answering with what the room holds", async () => {
		cap = 5;
		const h = await buildHistory("failing", 20);
		const gus = await makeUser("backfillgus");
		expect((await api(gus, "POST", `/_matrix/client/v3/join/${enc(h.room.room_id)}?server_name=${resident.name}`, {})).status).toBe(200);
		failing.add(resident.name);
		try {
			const pages = await pageBack(gus, h.room.room_id, 50);
			// The join's two rounds brought the newest 10 messages; nothing older, and no error.
			expect(bodies(pages)).toEqual(Array.from({ length: 10 }, (_, i) => `failing ${20 - i}`));
		} finally {
			failing.clear();
		}
	});
});
