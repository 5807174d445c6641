// Room → destinations: a committed local event goes, as the exact stored PDU text, to the DestinationDO of
// every remote server with a joined member (and to an invited remote user's server), through the room
// outbox, directly or through the FEDERATION_OUT queue (platform/federation-hand-off.ts); remote events are not relayed.
// A handed-off row waits, like a poke row, for the room's next commit or alarm (room/room-drain.ts); lost with the
// object first, it is handed off again on waking and the destination still holds the event once.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import type { RoomDO } from "../../src/worker/room/room-do";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { enc, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let alice: TestUser;
let roomId: string;
const bob = "@bob:handoff.example";

/** How many times the destination holds `eventId`, queued or in flight (a duplicate hand-off would show as 2). */
async function copiesAtDestination(server: string, eventId: string): Promise<number> {
	const stored = JSON.stringify(JSON.parse((await env.ROOM.getByName(roomId).getPdu(eventId))!));
	return runInDurableObject(env.DESTINATION.getByName(server), (_instance, state) => {
		const queued = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queue WHERE kind = 'pdu' AND dedupe_key = ?", eventId).one().n;
		const inFlight = state.storage.sql
			.exec<{ payload: string }>("SELECT payload FROM in_flight_txn")
			.toArray()
			.flatMap((r) => (JSON.parse(r.payload) as { pdus?: unknown[] }).pdus ?? []);
		return queued + inFlight.filter((p) => JSON.stringify(p) === stored).length;
	});
}

/** Every PDU text the destination holds, queued or in flight, by event ID. */
async function destinationPdus(server: string): Promise<Map<string, string>> {
	const stub = env.DESTINATION.getByName(server);
	return runInDurableObject(stub, (_instance, state) => {
		const out = new Map<string, string>();
		for (const r of state.storage.sql.exec<{ dedupe_key: string; payload: string }>("SELECT dedupe_key, payload FROM queue WHERE kind = 'pdu'").toArray()) {
			out.set(r.dedupe_key, r.payload);
		}
		for (const r of state.storage.sql.exec<{ payload: string }>("SELECT payload FROM in_flight_txn").toArray()) {
			const body = JSON.parse(r.payload) as { pdus?: unknown[] };
			for (const p of body.pdus ?? []) out.set("in-flight", JSON.stringify(p));
		}
		return out;
	});
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 8000): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v !== undefined) return v;
		if (Date.now() > end) throw new Error("timed out");
		await new Promise((r) => setTimeout(r, 50));
	}
}

beforeAll(async () => {
	// Destinations try to send and fail: what they hold stays queued or in flight for inspection.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("handoff.example", 21);
	await seedKeys([remote]);
	alice = await makeUser("handoffalice");
	roomId = await createRoom(alice, { preset: "public_chat" });
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=${version}`);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
	expect(res.status).toBe(200);
});

afterAll(() => vi.restoreAllMocks());

describe("room hand-off to destinations", () => {
	it("hands a local message to the joined remote server as the exact stored PDU", async () => {
		const sent = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/h1`, { msgtype: "m.text", body: "hi" });
		expect(sent.status).toBe(200);
		const eventId = sent.body.event_id as string;
		const stored = await env.ROOM.getByName(roomId).getPdu(eventId);
		const pdus = await waitFor(async () => {
			const p = await destinationPdus("handoff.example");
			return [...p.values()].some((t) => JSON.parse(t).event_id === eventId || t === stored) ? p : undefined;
		});
		const text = [...pdus.values()].find((t) => t === stored || JSON.parse(t).event_id === eventId);
		expect(JSON.parse(text!)).toEqual(JSON.parse(stored!));
		// The outbox row goes only after the hand-off, with the room's next commit or its alarm.
		await runInDurableObject(env.ROOM.getByName(roomId), (instance: RoomDO) => instance["drainer"].idle());
		await runDurableObjectAlarm(env.ROOM.getByName(roomId));
		expect(await outboxFederationRows()).toBe(0);
	});

	it("a handed-off row waits for the next commit, and lost with the object is handed off again but held once", async () => {
		const room = env.ROOM.getByName(roomId);
		const drainDone = () => runInDurableObject(room, (instance: RoomDO) => instance["drainer"].idle());
		const send = async (txn: string) => {
			const res = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${txn}`, { msgtype: "m.text", body: txn });
			expect(res.status).toBe(200);
			return res.body.event_id as string;
		};
		const one = await send("settle-1");
		await waitFor(async () => ((await copiesAtDestination("handoff.example", one)) > 0 ? true : undefined));
		await drainDone();
		// Handed off, still stored (no commit of its own), with the alarm armed to settle it.
		expect(await federationRowEvents()).toEqual([one]);
		expect(await runInDurableObject(room, (_i, state) => state.storage.getAlarm())).not.toBeNull();

		// The next event's commit deletes it; the next drain does not hand it off again.
		const two = await send("settle-2");
		await waitFor(async () => ((await copiesAtDestination("handoff.example", two)) > 0 ? true : undefined));
		await drainDone();
		expect(await federationRowEvents()).toEqual([two]);

		// Lost before settling: the alarm of the new object hands it off again; the destination holds it once.
		await evictDurableObject(room);
		expect(await runDurableObjectAlarm(room)).toBe(true);
		expect(await federationRowEvents()).toEqual([]);
		expect(await copiesAtDestination("handoff.example", one)).toBe(1);
		expect(await copiesAtDestination("handoff.example", two)).toBe(1);
	});

	it("indexes a federated room's message for GET /federation/v1/event within a second, with no alarm", async () => {
		const room = env.ROOM.getByName(roomId);
		// Everything before settled: the next alarm is 5 s after this send, so only the short index lag can copy it.
		await runInDurableObject(room, (instance: RoomDO) => instance["drainer"].idle());
		await runDurableObjectAlarm(room);
		const sent = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/lag-1`, { msgtype: "m.text", body: "lag" });
		expect(sent.status).toBe(200);
		const eventId = sent.body.event_id as string;
		const t0 = Date.now();
		await waitFor(async () => ((await env.DB.prepare("SELECT 1 FROM event_rooms WHERE event_id = ?1").bind(eventId).first()) !== null ? true : undefined), 1_000);
		expect(Date.now() - t0).toBeLessThan(1_000);
		const got = await fed(remote, "GET", `/_matrix/federation/v1/event/${enc(eventId)}`);
		expect(got.status).toBe(200);
	});
});

async function federationRowEvents(): Promise<string[]> {
	return runInDurableObject(env.ROOM.getByName(roomId), (_i, state) =>
		state.storage.sql.exec<{ target: string }>("SELECT target FROM outbox WHERE kind = 'federation' ORDER BY id").toArray().map((r) => r.target),
	);
}

async function outboxFederationRows(room = roomId): Promise<number> {
	return runInDurableObject(env.ROOM.getByName(room), (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'federation'").one().n);
}

async function remoteJoin(room: string): Promise<void> {
	const version = (await env.ROOM.getByName(room).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(room)}/${enc(bob)}?ver=${version}`);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(room)}/${enc(signed.event_id)}`, signed.pdu);
	expect(res.status).toBe(200);
}

describe("a room that was local only", () => {
	it("hands off once a remote server joins, though its drains had stopped looking for federation rows and remote members", async () => {
		const room = await createRoom(alice, { preset: "public_chat" });
		const say = (txn: string) => api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/send/m.room.message/${txn}`, { msgtype: "m.text", body: txn });
		for (const txn of ["l1", "l2", "l3"]) expect((await say(txn)).status).toBe(200);
		// What the direct drains now remember, so that this test runs the path that skips those reads.
		const remembered = await runInDurableObject(env.ROOM.getByName(room), async (instance: RoomDO) => {
			await instance["drainer"].idle();
			return { federationRows: instance["outbox"]["federationRows"], remoteMember: instance["drainer"]["remoteMember"]?.value };
		});
		expect(remembered).toEqual({ federationRows: false, remoteMember: false });
		await remoteJoin(room);
		await waitFor(async () => {
			const row = await env.DB.prepare("SELECT user_id FROM remote_room_members WHERE room_id = ?1").bind(room).first<{ user_id: string }>();
			return row?.user_id === bob ? true : undefined;
		});
		const sent = await say("r1");
		const stored = await env.ROOM.getByName(room).getPdu(sent.body.event_id as string);
		const eventId = sent.body.event_id as string;
		await waitFor(async () => ([...(await destinationPdus("handoff.example")).values()].some((t) => t === stored || JSON.parse(t).event_id === eventId) ? true : undefined));
		// Handed off; the alarm settles the row.
		await runInDurableObject(env.ROOM.getByName(room), (instance: RoomDO) => instance["drainer"].idle());
		await runDurableObjectAlarm(env.ROOM.getByName(room));
		expect(await outboxFederationRows(room)).toBe(0);
	});
});
