// Two real servers by the run contract: alice@hs1 fills a public room with history, then bob@hs2 joins it.
// hs2 backfills the history before bob's join from hs1 (GET /backfill, checked like any received event),
// and bob pages /messages back to the room's creation, seeing every message exactly once, in order.
// Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events,
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidmessages
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { call } from "./server-call";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
let hs1: RunningServer;
let hs2: RunningServer;
let alice: Account;
let bob: Account;

interface Page {
	chunk: { event_id: string; type: string; sender: string; content: { body?: string } }[];
	start: string;
	end?: string;
}

/** Pages /messages backwards from the live end until the server says there is nothing older (bounded). */
async function pageBack(server: RunningServer, who: Account, roomId: string, limit: number): Promise<Page[]> {
	const pages: Page[] = [];
	let from: string | undefined;
	for (let i = 0; i < 30; i++) {
		const query = `dir=b&limit=${limit}${from === undefined ? "" : `&from=${encodeURIComponent(from)}`}`;
		const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const page = res.body as unknown as Page;
		// Tokens chain: each page starts where the previous one ended.
		if (from !== undefined) expect(page.start).toBe(from);
		pages.push(page);
		if (page.end === undefined) return pages;
		from = page.end;
	}
	throw new Error("no end of history after 30 pages");
}

/** alice@hs1 creates a public room and sends `n` messages ("<tag> 1".."<tag> n"); then bob@hs2 joins through hs1. */
async function historyThenJoin(tag: string, n: number): Promise<{ roomId: string; sent: string[] }> {
	const created = await call(hs1, alice, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat", name: tag });
	expect(created.status).toBe(200);
	const roomId = created.body.room_id as string;
	const sent: string[] = [];
	for (let i = 1; i <= n; i++) {
		const res = await call(hs1, alice, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${tag}${i}`, { msgtype: "m.text", body: `${tag} ${i}` });
		expect(res.status).toBe(200);
		sent.push(res.body.event_id as string);
	}
	const joined = await call(hs2, bob, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?via=${encodeURIComponent(hs1.serverName)}`, {});
	expect(joined.status, JSON.stringify(joined.body)).toBe(200);
	return { roomId, sent };
}

beforeAll(async () => {
	[hs1, hs2] = await Promise.all([
		startServer({ stateDir: newStateDir("bfill-hs1"), env: ENV, startTimeoutMs: 120_000 }),
		startServer({ stateDir: newStateDir("bfill-hs2"), env: ENV, startTimeoutMs: 120_000 }),
	]);
	[alice, bob] = await Promise.all([register(hs1.baseUrl, "alice", "alice-password-1"), register(hs2.baseUrl, "bob", "bob-password-1")]);
}, 150_000);

afterAll(async () => {
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("backfill across two servers", () => {
	it("bob@hs2 joins after alice's 20 messages and pages back to the room's creation: all 20, once each, in order", async () => {
		const { roomId, sent } = await historyThenJoin("history", 20);

		const pages = await pageBack(hs2, bob, roomId, 6);
		const events = pages.flatMap((p) => p.chunk);
		expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
		const history = events.filter((e) => e.type === "m.room.message").reverse();
		expect(history.map((e) => e.content.body)).toEqual(Array.from({ length: 20 }, (_, i) => `history ${i + 1}`));
		expect(history.map((e) => e.event_id)).toEqual(sent);
		// Newest first: bob's join, then history back to the creation.
		expect(events[0]).toMatchObject({ type: "m.room.member", sender: bob.userId });
		expect(events.at(-1)!.type).toBe("m.room.create");
		// hs1 sees the same timeline: the backfilled copy is the room's, not a re-sent one.
		const onHs1 = await pageBack(hs1, alice, roomId, 100);
		const hs1Ids = onHs1.flatMap((p) => p.chunk).map((e) => e.event_id);
		expect(hs1Ids).toEqual(events.map((e) => e.event_id));
	});

	it("history longer than the join brings: /messages at the oldest event held asks hs1 for more, with no gap and no repeat", async () => {
		// More than the join's two rounds of 100 (hs1 serves 100 per /backfill) bring: the rest comes through /messages.
		const total = 230;
		const { roomId } = await historyThenJoin("long", total);
		const pages = await pageBack(hs2, bob, roomId, 40);
		const events = pages.flatMap((p) => p.chunk);
		expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
		const history = events.filter((e) => e.type === "m.room.message").reverse();
		expect(history.map((e) => e.content.body)).toEqual(Array.from({ length: total }, (_, i) => `long ${i + 1}`));
		expect(events.some((e) => e.type === "m.room.create")).toBe(true);
	}, 240_000);
});
