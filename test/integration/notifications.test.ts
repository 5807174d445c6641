// GET /notifications: events that notified the user by their push rules, newest first, across rooms, with
// actions and read flags, `only=highlight`, and paging by `from`/`next_token`.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3notifications
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { syncUntil } from "./sync-helpers";

interface Notification {
	actions: unknown[];
	event: { event_id: string; room_id: string; sender: string; content: Record<string, unknown> };
	read: boolean;
	room_id: string;
	ts: number;
}
interface Page {
	notifications: Notification[];
	next_token?: string;
}

let alice: TestUser;
let bob: TestUser;
let room1: string;
let room2: string;
const sent: string[] = [];
let mention = "";

async function send(user: TestUser, roomId: string, txn: string, content: Record<string, unknown>, type = "m.room.message"): Promise<string> {
	const res = await api(user, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${txn}`, content);
	expect(res.status).toBe(200);
	return res.body.event_id as string;
}

async function notifications(user: TestUser, query = ""): Promise<Page> {
	const res = await api(user, "GET", `/_matrix/client/v3/notifications${query}`);
	expect(res.status).toBe(200);
	return res.body as unknown as Page;
}

const highlights = (n: Notification) => n.actions.some((a) => typeof a === "object" && a !== null && (a as { set_tweak?: string; value?: unknown }).set_tweak === "highlight" && (a as { value?: unknown }).value !== false);

beforeAll(async () => {
	alice = await makeUser("notes-alice");
	bob = await makeUser("notes-bob");
	room1 = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
	room2 = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
	for (const r of [room1, room2]) expect((await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(r)}/join`, {})).status).toBe(200);
	// The joins reach bob's sync (and the membership index it reads) before anything else happens.
	await syncUntil(bob, (b) => b.rooms.join[room1] !== undefined && b.rooms.join[room2] !== undefined);

	sent.push(await send(alice, room1, "a1", { msgtype: "m.text", body: "first" }));
	await send(bob, room1, "own", { msgtype: "m.text", body: "bob's own words" });
	await send(alice, room1, "notice", { msgtype: "m.notice", body: "a bot notice" });
	sent.push(await send(alice, room2, "b1", { msgtype: "m.text", body: "in the other room" }));
	mention = await send(alice, room1, "m1", { msgtype: "m.text", body: `hey ${bob.user_id}`, "m.mentions": { user_ids: [bob.user_id] } });
	sent.push(mention);
	sent.push(await send(alice, room2, "enc", { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "AwgAEnAcipher", session_id: "s", sender_key: "k", device_id: "D" }, "m.room.encrypted"));
});

describe("GET /notifications", () => {
	it("lists what notified the user across rooms, newest first, with actions and unread flags", async () => {
		const page = await notifications(bob);
		const ids = page.notifications.map((n) => n.event.event_id);
		// Every notifying event once; not bob's own message, not the notice.
		expect(new Set(ids)).toEqual(new Set(sent));
		expect(ids).toHaveLength(sent.length);
		for (let i = 1; i < page.notifications.length; i++) expect(page.notifications[i - 1]!.ts).toBeGreaterThanOrEqual(page.notifications[i]!.ts);
		for (const n of page.notifications) {
			expect(n.read).toBe(false);
			expect(n.room_id).toBe(n.event.room_id);
			expect(n.actions).toContain("notify");
			expect(highlights(n)).toBe(n.event.event_id === mention);
		}
		expect(page.next_token).toBeUndefined();
	});

	it("only=highlight keeps the mention alone", async () => {
		const page = await notifications(bob, "?only=highlight");
		expect(page.notifications.map((n) => n.event.event_id)).toEqual([mention]);
	});

	it("pages with limit and from, without gaps or repeats", async () => {
		const all = (await notifications(bob)).notifications.map((n) => n.event.event_id);
		const seen: string[] = [];
		let from: string | undefined;
		for (let i = 0; i < 10; i++) {
			const page = await notifications(bob, `?limit=1${from === undefined ? "" : `&from=${encodeURIComponent(from)}`}`);
			seen.push(...page.notifications.map((n) => n.event.event_id));
			if (page.next_token === undefined) break;
			from = page.next_token;
		}
		expect(seen).toEqual(all);
	});

	it("a read receipt marks a room's notifications read", async () => {
		const page = await notifications(bob);
		const newestInRoom1 = page.notifications.find((n) => n.room_id === room1)!.event.event_id;
		expect((await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(room1)}/receipt/m.read/${enc(newestInRoom1)}`, {})).status).toBe(200);
		const after = await notifications(bob);
		for (const n of after.notifications) expect(n.read).toBe(n.room_id === room1);
	});

	it("shows nothing of rooms the user is not in, and refuses a bad token or no login", async () => {
		// Alice was notified of bob's one message only.
		expect((await notifications(alice)).notifications.map((n) => n.event.sender)).toEqual([bob.user_id]);
		const carol = await makeUser("notes-carol");
		expect((await notifications(carol)).notifications).toEqual([]);
		const bad = await api(bob, "GET", "/_matrix/client/v3/notifications?from=nonsense");
		expect(bad.status).toBe(400);
		expect(bad.body.errcode).toBe("M_INVALID_PARAM");
		const anon = await api(null, "GET", "/_matrix/client/v3/notifications");
		expect(anon.status).toBe(401);
		expect(anon.body.errcode).toBe("M_MISSING_TOKEN");
	});
});
