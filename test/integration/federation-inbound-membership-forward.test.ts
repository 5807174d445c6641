// The resident server forwards a remote send_join / send_leave to the other servers in the room: the
// joining (leaving) server talks only to its resident, so the room's other servers hear of the event from
// it ("the signed copy of the membership event sent to other servers by the resident server"). Never back
// to the origin, never to a server with no joined member.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, #leaving-rooms-rejecting-invites
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { RoomDO } from "../../src/worker/room/room-do";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import { createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { enc, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let first: RemoteServer;
let second: RemoteServer;
let alice: TestUser;
let roomId: string;
let version: string;
const bob = "@bob:first-fwd.example";
const carol = "@carol:second-fwd.example";

/** Whether the destination holds the stored PDU of `eventId`, queued or in flight. */
async function destinationHolds(server: string, eventId: string): Promise<boolean> {
	const stored = JSON.parse((await env.ROOM.getByName(roomId).getPdu(eventId))!) as unknown;
	const texts = await runInDurableObject(env.DESTINATION.getByName(server), (_instance, state) => {
		const queued = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM queue WHERE kind = 'pdu'").toArray().map((r) => r.payload);
		const inFlight = state.storage.sql
			.exec<{ payload: string }>("SELECT payload FROM in_flight_txn")
			.toArray()
			.flatMap((r) => ((JSON.parse(r.payload) as { pdus?: unknown[] }).pdus ?? []).map((p) => JSON.stringify(p)));
		return [...queued, ...inFlight];
	});
	return texts.some((t) => JSON.stringify(JSON.parse(t)) === JSON.stringify(stored));
}

async function outboxFederationRows(): Promise<number> {
	return runInDurableObject(env.ROOM.getByName(roomId), (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'federation'").one().n);
}

/** The room's drain handed every federation row off; its alarm (run now) deletes the delivered rows. */
async function drained(): Promise<void> {
	const end = Date.now() + 8000;
	for (;;) {
		await runInDurableObject(env.ROOM.getByName(roomId), (instance: RoomDO) => instance["drainer"].idle());
		await runDurableObjectAlarm(env.ROOM.getByName(roomId));
		if ((await outboxFederationRows()) === 0) return;
		if (Date.now() > end) throw new Error("outbox not drained");
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function sendMembership(server: RemoteServer, userId: string, kind: "join" | "leave"): Promise<string> {
	const made = await fed(server, "GET", `/_matrix/federation/v1/make_${kind}/${enc(roomId)}/${enc(userId)}${kind === "join" ? `?ver=${version}` : ""}`);
	expect(made.status, JSON.stringify(made.body)).toBe(200);
	const signed = await signAs(server, version, made.body.event as PduDraft);
	const res = await fed(server, "PUT", `/_matrix/federation/v2/send_${kind}/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return signed.event_id;
}

beforeAll(async () => {
	// Destinations try to send and fail: what they hold stays queued or in flight for inspection.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	first = await remoteServer("first-fwd.example", 31);
	second = await remoteServer("second-fwd.example", 32);
	await seedKeys([first, second]);
	alice = await makeUser("fwdalice");
	roomId = await createRoom(alice, { preset: "public_chat" });
	version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
});

afterAll(() => vi.restoreAllMocks());

describe("forwarding remote membership events as the resident", () => {
	it("a join through us goes to the servers already in the room, not back to its origin", async () => {
		const bobJoin = await sendMembership(first, bob, "join");
		await drained();
		// Nobody else is in the room yet: bob's join goes nowhere.
		expect(await destinationHolds("first-fwd.example", bobJoin)).toBe(false);

		const carolJoin = await sendMembership(second, carol, "join");
		await drained();
		expect(await destinationHolds("first-fwd.example", carolJoin)).toBe(true);
		expect(await destinationHolds("second-fwd.example", carolJoin)).toBe(false);
	});

	it("a leave through us goes to the servers still in the room", async () => {
		const bobLeave = await sendMembership(first, bob, "leave");
		await drained();
		expect(await destinationHolds("second-fwd.example", bobLeave)).toBe(true);
		expect(await destinationHolds("first-fwd.example", bobLeave)).toBe(false);
	});
});
