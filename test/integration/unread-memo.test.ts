// A room keeps the judgements behind a reader's unread counts between requests (room/unread-memo.ts) and
// judges only new events; whatever could change an older judgement makes it judge afresh. Each step
// here compares /sync's counts with GET /notifications, which judges the room's events independently:
// new messages one by one, a redaction of an unread mention, a change of the member count (state a rule
// reads), a change of the reader's push rules, and a read receipt.
// Spec: https://spec.matrix.org/latest/client-server-api/#receiving-notifications
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { type SyncBody, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
let token: string;

type Counts = { notification_count: number; highlight_count: number };
const R = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;
const countsOf = (body: SyncBody) => body.rooms.join[roomId]?.unread_notifications as Counts | undefined;

async function say(body: string, mentions?: Record<string, unknown>): Promise<string> {
	const res = await api(alice, "PUT", R(`/send/m.room.message/${enc(body)}`), { msgtype: "m.text", body, ...(mentions === undefined ? {} : { "m.mentions": mentions }) });
	expect(res.status).toBe(200);
	return res.body.event_id as string;
}

/** What GET /notifications says bob has unread in the room. */
async function oracle(): Promise<Counts> {
	const res = await api(bob, "GET", "/_matrix/client/v3/notifications?limit=100");
	expect(res.status).toBe(200);
	const unread = (res.body.notifications as { room_id: string; read: boolean; actions: unknown[] }[]).filter((n) => n.room_id === roomId && !n.read);
	const highlight = unread.filter((n) => n.actions.some((a) => typeof a === "object" && a !== null && (a as { set_tweak?: string; value?: unknown }).set_tweak === "highlight" && (a as { value?: unknown }).value !== false));
	return { notification_count: unread.length, highlight_count: highlight.length };
}

/** Bob's incremental syncs until his counts equal the oracle's `want`; keeps the token. */
async function countsReach(want: Counts): Promise<void> {
	const res = await syncUntil(bob, (b) => {
		const c = countsOf(b);
		return c !== undefined && c.notification_count === want.notification_count && c.highlight_count === want.highlight_count;
	}, token);
	token = res.body.next_batch;
}

async function agree(want: Counts): Promise<void> {
	expect(await oracle()).toEqual(want);
	await countsReach(want);
}

beforeAll(async () => {
	alice = await makeUser("umemo-alice");
	bob = await makeUser("umemo-bob");
	roomId = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
	expect((await api(bob, "POST", R("/join"), {})).status).toBe(200);
	token = (await syncUntil(bob, (b) => b.rooms.join[roomId] !== undefined)).body.next_batch;
});

describe("kept unread judgements", () => {
	let mention = "";

	it("count new messages one by one, as a fresh judgement does", async () => {
		for (let i = 1; i <= 4; i++) {
			await say(`message ${i}`);
			await agree({ notification_count: i, highlight_count: 0 });
		}
		mention = await say(`hello ${bob.user_id}`, { user_ids: [bob.user_id] });
		await agree({ notification_count: 5, highlight_count: 1 });
	});

	it("a redaction of an unread mention is judged afresh", async () => {
		expect((await api(alice, "PUT", R(`/redact/${enc(mention)}/r1`), {})).status).toBe(200);
		// The redacted mention no longer names bob (its body is gone); the redaction itself does not notify.
		const want = await oracle();
		expect(want.highlight_count).toBe(0);
		await countsReach(want);
	});

	it("a change of the member count (state a rule reads) is judged afresh", async () => {
		// Bob's rule: in a room of two, every message from others highlights.
		const rule = { conditions: [{ kind: "room_member_count", is: "2" }], actions: ["notify", { set_tweak: "highlight" }] };
		expect((await api(bob, "PUT", "/_matrix/client/v3/pushrules/global/override/two", rule)).status).toBe(200);
		await say("just us two");
		const two = await oracle();
		expect(two.highlight_count).toBe(two.notification_count);
		await countsReach(two);
		// A third member joins: judged with the room's current state, nothing highlights any more.
		const carol = await makeUser("umemo-carol");
		expect((await api(alice, "POST", R("/invite"), { user_id: carol.user_id })).status).toBe(200);
		expect((await api(carol, "POST", R("/join"), {})).status).toBe(200);
		const three = await oracle();
		expect(three.highlight_count).toBe(0);
		expect(three.notification_count).toBeGreaterThan(0);
		await countsReach(three);
		expect((await api(bob, "DELETE", "/_matrix/client/v3/pushrules/global/override/two")).status).toBe(200);
	});

	it("a change of the reader's push rules is judged afresh", async () => {
		await say("before the rule");
		const before = await oracle();
		await countsReach(before);
		// Alice's messages stop notifying bob (a sender rule with no actions).
		const put = await api(bob, "PUT", `/_matrix/client/v3/pushrules/global/sender/${enc(alice.user_id)}`, { actions: [] });
		expect(put.status).toBe(200);
		await say("after the rule");
		const muted = await oracle();
		expect(muted.notification_count).toBeLessThan(before.notification_count);
		await countsReach(muted);
		expect((await api(bob, "DELETE", `/_matrix/client/v3/pushrules/global/sender/${enc(alice.user_id)}`)).status).toBe(200);
		await say("rule gone");
		const back = await oracle();
		expect(back.notification_count).toBe(before.notification_count + 2);
		await countsReach(back);
	});

	it("a read receipt starts the count again", async () => {
		const last = await say("read up to here");
		expect((await api(bob, "POST", R(`/receipt/m.read/${enc(last)}`), {})).status).toBe(200);
		await agree({ notification_count: 0, highlight_count: 0 });
		await say("one more");
		await agree({ notification_count: 1, highlight_count: 0 });
	});
});
