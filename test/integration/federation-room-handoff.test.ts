// Room → destinations: a committed local event goes, as the exact stored PDU text, to the DestinationDO of
// every remote server with a joined member (and to an invited remote user's server), through the room
// outbox, directly or through the FEDERATION_OUT queue (platform/federation-hand-off.ts); remote events are not relayed.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import type { RoomDO } from "../../src/worker/room/room-do";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { enc, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let alice: TestUser;
let roomId: string;
const bob = "@bob:handoff.example";

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
		// The outbox row went only after the hand-off.
		await waitFor(async () => ((await outboxFederationRows()) === 0 ? true : undefined));
	});
});

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
		await waitFor(async () => ((await outboxFederationRows(room)) === 0 ? true : undefined));
	});
});
