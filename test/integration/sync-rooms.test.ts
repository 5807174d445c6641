// /sync with real rooms: invites (stripped state with m.room.encryption), a pending invite never ends a
// long-poll early, joining by invite delivers the full state, sends wake the other member's long-poll,
// typing and receipts (private ones only to their owner) wake long-polls at once.
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { type SyncBody, sleep, sync, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
let bobToken: string;

const room = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;
const types = (events: Record<string, unknown>[] | undefined) => (events ?? []).map((e) => e.type);
const ephemeral = (body: SyncBody) => (body.rooms.join[roomId]?.ephemeral?.events ?? []) as { type: string; content: Record<string, unknown> }[];

beforeAll(async () => {
	alice = await makeUser("sr-alice");
	bob = await makeUser("sr-bob");
	roomId = await createRoom(alice, { preset: "private_chat", name: "Sync room" });
	bobToken = (await sync(bob)).body.next_batch;
});

describe("invite and join", () => {
	it("the invitee's sync shows the invite with m.room.encryption in invite_state, once", async () => {
		expect((await api(alice, "POST", room("/invite"), { user_id: bob.user_id })).status).toBe(200);
		const invited = await syncUntil(bob, (b) => b.rooms.invite[roomId] !== undefined, bobToken);
		const stripped = invited.body.rooms.invite[roomId]!.invite_state.events;
		expect(types(stripped)).toContain("m.room.encryption");
		expect(types(stripped)).toContain("m.room.name");
		expect(stripped.find((e) => e.type === "m.room.member" && e.state_key === bob.user_id)).toMatchObject({ content: { membership: "invite" } });
		bobToken = invited.body.next_batch;
	});

	it("a pending invite the client already saw never ends a long-poll early, even as the room moves", async () => {
		const polling = sync(bob, { since: bobToken, timeout: 1500 });
		await sleep(100);
		await api(alice, "PUT", room("/send/m.room.message/while-invited"), { msgtype: "m.text", body: "not for bob yet" });
		const idle = await polling;
		expect(idle.ms).toBeGreaterThanOrEqual(1400);
		expect(idle.body.rooms.invite[roomId]).toBeUndefined();
		bobToken = idle.body.next_batch;
	});

	it("after joining, the room is in `join` with the full state (m.room.encryption included)", async () => {
		expect((await api(bob, "POST", room("/join"), {})).status).toBe(200);
		const joined = await syncUntil(bob, (b) => b.rooms.join[roomId] !== undefined, bobToken);
		const entry = joined.body.rooms.join[roomId]!;
		const stateTypes = [...types(entry.state?.events), ...types(entry.timeline?.events)];
		for (const t of ["m.room.create", "m.room.power_levels", "m.room.join_rules", "m.room.encryption", "m.room.name"]) expect(stateTypes).toContain(t);
		expect(joined.body.rooms.invite[roomId]).toBeUndefined();
		expect(joined.body.device_lists.changed).toContain(alice.user_id);
		bobToken = joined.body.next_batch;
	});

	it("a send wakes the other member's waiting long-poll with the event", async () => {
		const polling = sync(bob, { since: bobToken, timeout: 10_000 });
		await sleep(100);
		const sent = await api(alice, "PUT", room("/send/m.room.message/wake-bob"), { msgtype: "m.text", body: "hello bob" });
		const woken = await polling;
		expect(woken.ms).toBeLessThan(5000);
		const timeline = woken.body.rooms.join[roomId]?.timeline?.events ?? [];
		expect(timeline.map((e) => e.event_id)).toContain(sent.body.event_id);
		// And not again.
		const quiet = await sync(bob, { since: woken.body.next_batch });
		expect(quiet.body.rooms.join[roomId]).toBeUndefined();
		bobToken = quiet.body.next_batch;
	});

	it("use_state_after puts the state into org.matrix.msc4222.state_after", async () => {
		const res = await sync(bob, { "org.matrix.msc4222.use_state_after": true });
		const entry = res.body.rooms.join[roomId]!;
		expect(entry.state).toBeUndefined();
		expect(types((entry["org.matrix.msc4222.state_after"] as { events: Record<string, unknown>[] }).events)).toContain("m.room.encryption");
	});
});

describe("typing and receipts", () => {
	it("typing start and stop wake the other member at once", async () => {
		const polling = sync(bob, { since: bobToken, timeout: 10_000 });
		await sleep(100);
		expect((await api(alice, "PUT", room(`/typing/${enc(alice.user_id)}`), { typing: true, timeout: 30000 })).status).toBe(200);
		const started = await polling;
		expect(started.ms).toBeLessThan(3000);
		expect(ephemeral(started.body)).toContainEqual({ type: "m.typing", content: { user_ids: [alice.user_id] } });
		await api(alice, "PUT", room(`/typing/${enc(alice.user_id)}`), { typing: false });
		const stopped = await syncUntil(bob, (b) => ephemeral(b).some((e) => e.type === "m.typing"), started.body.next_batch);
		expect(ephemeral(stopped.body)).toContainEqual({ type: "m.typing", content: { user_ids: [] } });
		bobToken = stopped.body.next_batch;
	});

	it("refuses typing for someone else, a bad body, and non-members", async () => {
		expect((await api(alice, "PUT", room(`/typing/${enc(bob.user_id)}`), { typing: true })).body.errcode).toBe("M_FORBIDDEN");
		expect((await api(alice, "PUT", room(`/typing/${enc(alice.user_id)}`), { typing: "yes" })).body.errcode).toBe("M_BAD_JSON");
		const carol = await makeUser("sr-carol");
		expect((await api(carol, "PUT", room(`/typing/${enc(carol.user_id)}`), { typing: true })).body.errcode).toBe("M_FORBIDDEN");
	});

	it("m.read reaches both members; m.read.private only its owner; m.fully_read is account data", async () => {
		const sent = await api(alice, "PUT", room("/send/m.room.message/to-read"), { msgtype: "m.text", body: "read me" });
		const eventId = sent.body.event_id as string;
		const seen = await syncUntil(bob, (b) => b.rooms.join[roomId] !== undefined, bobToken);
		const aliceBase = (await sync(alice)).body.next_batch;

		const polling = sync(alice, { since: aliceBase, timeout: 10_000 });
		await sleep(100);
		expect((await api(bob, "POST", room(`/receipt/m.read/${enc(eventId)}`), {})).status).toBe(200);
		const woken = await polling;
		expect(woken.ms).toBeLessThan(3000);
		const receipt = ephemeral(woken.body).find((e) => e.type === "m.receipt");
		expect(receipt?.content).toMatchObject({ [eventId]: { "m.read": { [bob.user_id]: { ts: expect.any(Number) } } } });

		expect((await api(bob, "POST", room(`/receipt/m.read.private/${enc(eventId)}`), { thread_id: "main" })).status).toBe(200);
		const mine = await syncUntil(bob, (b) => ephemeral(b).some((e) => e.type === "m.receipt"), seen.body.next_batch);
		const own = ephemeral(mine.body).find((e) => e.type === "m.receipt")!.content as Record<string, Record<string, unknown>>;
		expect(own[eventId]?.["m.read.private"]).toEqual({ [bob.user_id]: { ts: expect.any(Number), thread_id: "main" } });
		const others = await sync(alice, { since: woken.body.next_batch, timeout: 800 });
		for (const e of ephemeral(others.body)) expect(JSON.stringify(e.content)).not.toContain("m.read.private");

		expect((await api(bob, "POST", room("/read_markers"), { "m.fully_read": eventId })).status).toBe(200);
		const marker = await syncUntil(bob, (b) => (b.rooms.join[roomId]?.account_data?.events ?? []).length > 0, mine.body.next_batch);
		expect(marker.body.rooms.join[roomId]!.account_data!.events).toContainEqual({ type: "m.fully_read", content: { event_id: eventId } });
	});

	it("refuses unknown receipt types, threaded m.fully_read, unknown events and bad IDs", async () => {
		const sent = await api(alice, "PUT", room("/send/m.room.message/r2"), { msgtype: "m.text", body: "x" });
		const eventId = sent.body.event_id as string;
		expect((await api(bob, "POST", room(`/receipt/m.unknown/${enc(eventId)}`), {})).body.errcode).toBe("M_INVALID_PARAM");
		expect((await api(bob, "POST", room(`/receipt/m.fully_read/${enc(eventId)}`), { thread_id: "main" })).body.errcode).toBe("M_INVALID_PARAM");
		expect((await api(bob, "POST", room(`/receipt/m.read/${enc("$" + "A".repeat(43))}`), {})).status).toBe(404);
		expect((await api(bob, "POST", room(`/receipt/m.read/not-an-event`), {})).body.errcode).toBe("M_INVALID_PARAM");
		expect((await api(bob, "POST", room(`/receipt/m.read/${enc(eventId)}`), { thread_id: 5 })).body.errcode).toBe("M_INVALID_PARAM");
	});
});
