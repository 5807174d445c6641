// Unread notification counts in /sync (and, in a later part, GET /notifications): messages from others
// that the user's push rules say notify raise notification_count, intentional mentions raise
// highlight_count, encrypted events count by type alone, and a read receipt resets the counts.
// Spec: https://spec.matrix.org/latest/client-server-api/#receiving-notifications
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { type SyncBody, sync, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
let bobToken: string;

const room = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;
type Counts = { notification_count: number; highlight_count: number };
const countsOf = (body: SyncBody) => body.rooms.join[roomId]?.unread_notifications as Counts | undefined;

async function send(user: TestUser, type: string, txn: string, content: Record<string, unknown>): Promise<string> {
	const res = await api(user, "PUT", room(`/send/${enc(type)}/${txn}`), content);
	expect(res.status).toBe(200);
	return res.body.event_id as string;
}

/** Syncs bob until his counts for the room equal `want`; returns that response. */
async function bobCountsReach(want: Counts) {
	const res = await syncUntil(bob, (b) => {
		const c = countsOf(b);
		return c !== undefined && c.notification_count === want.notification_count && c.highlight_count === want.highlight_count;
	}, bobToken);
	bobToken = res.body.next_batch;
	return res;
}

beforeAll(async () => {
	alice = await makeUser("notif-alice");
	bob = await makeUser("notif-bob");
	expect((await api(bob, "PUT", `/_matrix/client/v3/profile/${enc(bob.user_id)}/displayname`, { displayname: "Bobby Tables" })).status).toBe(200);
	roomId = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
	expect((await api(bob, "POST", room("/join"), {})).status).toBe(200);
	const first = await syncUntil(bob, (b) => b.rooms.join[roomId] !== undefined);
	bobToken = first.body.next_batch;
	expect(countsOf(first.body)).toEqual({ notification_count: 0, highlight_count: 0 });
});

describe("unread_notifications", () => {
	let lastEvent = "";

	it("messages and encrypted events from others count; the user's own do not", async () => {
		await send(alice, "m.room.message", "n1", { msgtype: "m.text", body: "hello" });
		await bobCountsReach({ notification_count: 1, highlight_count: 0 });
		await send(bob, "m.room.message", "own", { msgtype: "m.text", body: "my own message" });
		// Encrypted: only the type is judged (.m.rule.encrypted_room_one_to_one in this two-member room).
		lastEvent = await send(alice, "m.room.encrypted", "n2", { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "AwgAEnAcipher", session_id: "s", sender_key: "k", device_id: "D" });
		await bobCountsReach({ notification_count: 2, highlight_count: 0 });
		// Notices and reactions do not notify.
		await send(alice, "m.room.message", "notice", { msgtype: "m.notice", body: "bot says" });
		await send(alice, "m.room.message", "n3", { msgtype: "m.text", body: "again" });
		await bobCountsReach({ notification_count: 3, highlight_count: 0 });
	});

	it("a mention of the user (display name and ID, with m.mentions) is a highlight", async () => {
		lastEvent = await send(alice, "m.room.message", "mention", {
			msgtype: "m.text",
			body: `Bobby Tables (${bob.user_id}), look`,
			"m.mentions": { user_ids: [bob.user_id] },
		});
		await bobCountsReach({ notification_count: 4, highlight_count: 1 });
	});

	it("a read receipt on the newest event resets the counts", async () => {
		expect((await api(bob, "POST", room(`/receipt/m.read/${enc(lastEvent)}`), {})).status).toBe(200);
		await bobCountsReach({ notification_count: 0, highlight_count: 0 });
		await send(alice, "m.room.message", "n4", { msgtype: "m.text", body: "after the receipt" });
		await bobCountsReach({ notification_count: 1, highlight_count: 0 });
	});

	it("a private read receipt resets them too, and an initial sync agrees", async () => {
		const all = await sync(bob);
		const newest = (all.body.rooms.join[roomId]!.timeline as { events: { event_id: string }[] }).events.at(-1)!.event_id;
		expect((await api(bob, "POST", room(`/receipt/m.read.private/${enc(newest)}`), {})).status).toBe(200);
		await bobCountsReach({ notification_count: 0, highlight_count: 0 });
		expect(countsOf((await sync(bob)).body)).toEqual({ notification_count: 0, highlight_count: 0 });
	});

	it("with unread_thread_notifications, thread replies are counted per thread root", async () => {
		const root = await send(alice, "m.room.message", "root", { msgtype: "m.text", body: "thread root" });
		await send(alice, "m.room.message", "reply", { msgtype: "m.text", body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: root } });
		const filter = JSON.stringify({ room: { timeline: { unread_thread_notifications: true } } });
		const res = await sync(bob, { filter });
		const joined = res.body.rooms.join[roomId]!;
		expect(joined.unread_notifications).toEqual({ notification_count: 1, highlight_count: 0 });
		expect(joined.unread_thread_notifications).toEqual({ [root]: { notification_count: 1, highlight_count: 0 } });
		// Without the filter flag the counts cover the whole room.
		expect(countsOf((await sync(bob)).body)).toEqual({ notification_count: 2, highlight_count: 0 });
	});
});
