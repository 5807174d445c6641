// Sending: txn idempotency per device, concurrent sends to one room, state PUT with the empty state key,
// redaction, and refusals (non-members, bad IDs).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { RoomDO } from "../../src/worker/room/room-do";
import { RoomStore, stateKeyOf } from "../../src/worker/room/store";
import { api, createRoom, enc, makeUser, stateEvent, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let alicePhone: TestUser;
let bob: TestUser;
let roomId: string;

beforeAll(async () => {
	alice = await makeUser("send-alice");
	alicePhone = await makeUser("send-alice", "PHONE");
	bob = await makeUser("send-bob");
	roomId = await createRoom(alice, { preset: "public_chat" });
});

const send = (user: TestUser, txn: string, body: unknown, room = roomId, type = "m.room.message") =>
	api(user, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/send/${enc(type)}/${enc(txn)}`, body);

describe("PUT /rooms/{roomId}/send/{eventType}/{txnId}", () => {
	it("returns the same event ID for a retried txn, and a new event for another device's txn", async () => {
		const first = await send(alice, "t1", { msgtype: "m.text", body: "hi" });
		expect(first.status).toBe(200);
		expect(first.body.event_id).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
		const retry = await send(alice, "t1", { msgtype: "m.text", body: "hi" });
		expect(retry.body.event_id).toBe(first.body.event_id);
		const otherDevice = await send(alicePhone, "t1", { msgtype: "m.text", body: "hi" });
		expect(otherDevice.status).toBe(200);
		expect(otherDevice.body.event_id).not.toBe(first.body.event_id);
		const pdu = JSON.parse((await env.ROOM.getByName(roomId).getPdu(first.body.event_id as string))!);
		expect(pdu).toMatchObject({ type: "m.room.message", sender: alice.user_id, room_id: roomId, content: { body: "hi" } });
	});

	it("keeps ciphertext opaque: m.room.encrypted content is stored exactly as sent", async () => {
		const content = { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "AwgAEnAC...", session_id: "s", sender_key: "k", device_id: "D" };
		const res = await send(alice, "enc1", content, roomId, "m.room.encrypted");
		const pdu = JSON.parse((await env.ROOM.getByName(roomId).getPdu(res.body.event_id as string))!);
		expect(pdu.content).toEqual(content);
	});

	it("serialises 30 concurrent sends: all acknowledged, distinct, one linear chain, positions without gaps", async () => {
		const room = await createRoom(alice);
		const before = (await env.ROOM.getByName(room).getRoomInfo())!.stream_position;
		const results = await Promise.all(Array.from({ length: 30 }, (_, i) => send(alice, `c${i}`, { msgtype: "m.text", body: `${i}` }, room)));
		expect(results.every((r) => r.status === 200)).toBe(true);
		const ids = results.map((r) => r.body.event_id as string);
		expect(new Set(ids).size).toBe(30);
		await runInDurableObject(env.ROOM.getByName(room), (_i: RoomDO, state) => {
			const rows = state.storage.sql
				.exec<{ event_id: string; stream_ordering: number; depth: number }>(
					"SELECT event_id, stream_ordering, depth FROM events WHERE stream_ordering > ? ORDER BY stream_ordering",
					before,
				)
				.toArray();
			expect(rows.map((r) => r.stream_ordering)).toEqual(Array.from({ length: 30 }, (_, i) => before + i + 1));
			expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
			// Each event's only prev_event is the one before it: no fork.
			for (let i = 1; i < rows.length; i++) {
				const prev = state.storage.sql
					.exec<{ target_id: string }>("SELECT target_id FROM event_edges WHERE event_id = ? AND kind = 'prev'", rows[i]!.event_id)
					.toArray()
					.map((r) => r.target_id);
				expect(prev).toEqual([rows[i - 1]!.event_id]);
				expect(rows[i]!.depth).toBe(rows[i - 1]!.depth + 1);
				// The state before each event is the state after the one before it (the writer remembers that group).
				const groups = (id: string) =>
					state.storage.sql.exec<{ state_before: number; state_after: number }>("SELECT state_before, state_after FROM event_state WHERE event_id = ?", id).one();
				expect(groups(rows[i]!.event_id).state_before).toBe(groups(rows[i - 1]!.event_id).state_after);
				// Every edge the PDU names is stored, of its kind.
				const pdu = JSON.parse(state.storage.sql.exec<{ pdu: string }>("SELECT pdu FROM events WHERE event_id = ?", rows[i]!.event_id).one().pdu);
				const auth = state.storage.sql
					.exec<{ target_id: string }>("SELECT target_id FROM event_edges WHERE event_id = ? AND kind = 'auth' ORDER BY target_id", rows[i]!.event_id)
					.toArray()
					.map((r) => r.target_id);
				expect(auth).toEqual([...pdu.auth_events].sort());
				expect(pdu.prev_events).toEqual(prev);
			}
			const extremities = state.storage.sql.exec<{ event_id: string }>("SELECT event_id FROM forward_extremities").toArray();
			expect(extremities).toEqual([{ event_id: rows[rows.length - 1]!.event_id }]);
		});
	});

	it("refuses a non-member with M_FORBIDDEN, an unknown room with M_FORBIDDEN, a bad room ID with M_INVALID_PARAM", async () => {
		const res = await send(bob, "x1", { body: "let me in" });
		expect(res.status).toBe(403);
		expect(res.body.errcode).toBe("M_FORBIDDEN");
		const unknown = await send(alice, "x2", { body: "?" }, `!nope:${env.SERVER_NAME}`);
		expect(unknown.status).toBe(403);
		expect(unknown.body.errcode).toBe("M_FORBIDDEN");
		const bad = await send(alice, "x3", { body: "?" }, "not-a-room");
		expect(bad.status).toBe(400);
		expect(bad.body.errcode).toBe("M_INVALID_PARAM");
		const notJson = await send(alice, "x4", "[1]");
		expect(notJson.body.errcode).toBe("M_BAD_JSON");
		// Nothing was stored for the refused sends.
		expect(await env.ROOM.getByName(`!nope:${env.SERVER_NAME}`).getRoomInfo()).toBeNull();
	});
});

describe("PUT /rooms/{roomId}/state/{eventType}/{stateKey}", () => {
	it("sets state with the empty state key, with and without a trailing slash, and with a state key", async () => {
		const put = (path: string, body: unknown) => api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/${path}`, body);
		const noSlash = await put("m.room.name", { name: "One" });
		expect(noSlash.status).toBe(200);
		expect(await stateEvent(roomId, "m.room.name")).toMatchObject({ content: { name: "One" }, state_key: "" });
		const slash = await put("m.room.name/", { name: "Two" });
		expect(slash.status).toBe(200);
		expect(slash.body.event_id).not.toBe(noSlash.body.event_id);
		expect(await stateEvent(roomId, "m.room.name")).toMatchObject({ content: { name: "Two" } });
		const keyed = await put(`org.example.flag/${enc("some/key")}`, { on: true });
		expect(keyed.status).toBe(200);
		expect(await stateEvent(roomId, "org.example.flag", "some/key")).toMatchObject({ content: { on: true } });
		// Setting the same content again creates no new event.
		const same = await put("m.room.name/", { name: "Two" });
		expect(same.body.event_id).toBe(slash.body.event_id);
	});

	it("files each event after the state the event before it left, across state changes", async () => {
		const room = await createRoom(alice);
		const before = (await env.ROOM.getByName(room).getRoomInfo())!.stream_position;
		await send(alice, "chain1", { body: "a" }, room);
		const topic = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/state/m.room.topic`, { topic: "t" });
		await send(alice, "chain2", { body: "b" }, room);
		await send(alice, "chain3", { body: "c" }, room);
		const name = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/state/m.room.name`, { name: "n" });
		await send(alice, "chain4", { body: "d" }, room);
		await runInDurableObject(env.ROOM.getByName(room), (_i: RoomDO, state) => {
			const rows = state.storage.sql
				.exec<{ event_id: string; state_before: number; state_after: number }>(
					`SELECT e.event_id, s.state_before, s.state_after FROM events e JOIN event_state s ON s.event_id = e.event_id
					WHERE e.stream_ordering > ? ORDER BY e.stream_ordering`,
					before,
				)
				.toArray();
			expect(rows).toHaveLength(6);
			for (let i = 1; i < rows.length; i++) expect(rows[i]!.state_before).toBe(rows[i - 1]!.state_after);
			// The state events moved the state on; the messages did not.
			expect(rows.map((r) => r.state_after !== r.state_before)).toEqual([false, true, false, false, true, false]);
			const last = new RoomStore(state.storage).getStateGroup(rows[5]!.state_after);
			expect(last.get(stateKeyOf("m.room.topic", ""))).toBe(topic.body.event_id);
			expect(last.get(stateKeyOf("m.room.name", ""))).toBe(name.body.event_id);
		});
	});

	it("refuses state a member may not set (power levels), and a state key naming another user", async () => {
		const join = await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		expect(join.status).toBe(200);
		const name = await api(bob, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name`, { name: "Bob's" });
		expect(name.status).toBe(403);
		expect(name.body.errcode).toBe("M_FORBIDDEN");
		expect(await stateEvent(roomId, "m.room.name")).toMatchObject({ content: { name: "Two" } });
	});

	it("refuses a former member who repeats their own earlier state", async () => {
		const room = await createRoom(alice, { preset: "public_chat", power_level_content_override: { state_default: 0 } });
		await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(room)}/join`, {});
		const flag = await api(bob, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/state/org.example.flag/${enc(bob.user_id)}`, { on: true });
		expect(flag.status).toBe(200);
		await api(bob, "POST", `/_matrix/client/v3/rooms/${enc(room)}/leave`, {});
		const again = await api(bob, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/state/org.example.flag/${enc(bob.user_id)}`, { on: true });
		expect(again.status).toBe(403);
		expect(again.body.errcode).toBe("M_FORBIDDEN");
	});
});

describe("PUT /rooms/{roomId}/redact/{eventId}/{txnId}", () => {
	it("redacts one's own event (v11: redacts in content) and refuses redacting others' without power", async () => {
		const msg = await send(bob, "r1", { msgtype: "m.text", body: "oops" });
		const redact = (user: TestUser, eventId: string, txn: string) =>
			api(user, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(eventId)}/${txn}`, { reason: "typo" });
		const own = await redact(bob, msg.body.event_id as string, "rd1");
		expect(own.status).toBe(200);
		const pdu = JSON.parse((await env.ROOM.getByName(roomId).getPdu(own.body.event_id as string))!);
		expect(pdu).toMatchObject({ type: "m.room.redaction", content: { redacts: msg.body.event_id, reason: "typo" } });
		expect(pdu.redacts).toBeUndefined();
		expect((await redact(bob, own.body.event_id as string, "rd1")).body.event_id).toBe(own.body.event_id);

		const alices = await send(alice, "r2", { msgtype: "m.text", body: "mine" });
		const refused = await redact(bob, alices.body.event_id as string, "rd2");
		expect(refused.status).toBe(403);
		expect(refused.body.errcode).toBe("M_FORBIDDEN");
		// The room admin may redact anyone's event.
		expect((await redact(alice, msg.body.event_id as string, "rd3")).status).toBe(200);
		expect((await redact(alice, "nope", "rd4")).body.errcode).toBe("M_INVALID_PARAM");
	});

	it("puts redacts top-level in a v10 room", async () => {
		const room = await createRoom(alice, { room_version: "10" });
		const msg = await send(alice, "v10m", { body: "x" }, room);
		const res = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/redact/${enc(msg.body.event_id as string)}/v10r`, {});
		const pdu = JSON.parse((await env.ROOM.getByName(room).getPdu(res.body.event_id as string))!);
		expect(pdu.redacts).toBe(msg.body.event_id);
		expect(pdu.content).toEqual({});
	});
});
