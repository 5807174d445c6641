// A resident sends the room's next events as soon as it accepted our send_join, possibly before we stored
// its answer: /send must wait for the room we are joining, not answer "unknown room" (the sender does not
// resend a PDU that got a per-PDU error, so it would be lost).
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { draftEvent, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { buildRemoteRoom, idOf, localJoin, type RemoteRoom, VERSION } from "./federation-remote-room-helpers";
import { api, enc, makeUser, type TestUser } from "./rooms-helpers";

let remote: RemoteServer;
let room: RemoteRoom;
let erin: TestUser;

beforeAll(async () => {
	remote = await remoteServer("racer.example", 13);
	await seedKeys([remote]);
	room = await buildRemoteRoom(remote, "race");
	erin = await makeUser("joinracer");
});

describe("events of a room whose join is still being stored", () => {
	it("are held until the room exists, then accepted and shown", async () => {
		const join = await localJoin(room, erin.user_id);
		const stub = env.ROOM.getByName(room.room_id);
		await stub.noteRemoteJoin(Date.now() + 30_000);
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, `m.room.member|${room.creator}`)];
		const message = await signAs(remote, VERSION, draftEvent(room.room_id, room.creator, "m.room.message", { msgtype: "m.text", body: "early" }, [join.event_id], auth, room.depth + 2));
		const sent = fed(remote, "PUT", "/_matrix/federation/v1/send/race1", { origin: remote.name, origin_server_ts: Date.now(), pdus: [message.pdu], edus: [] });

		await new Promise((resolve) => setTimeout(resolve, 300));
		const state = [...room.state.values()].map((s) => JSON.stringify(s.pdu));
		const stored = await stub.joinRemoteRoom({ room_id: room.room_id, room_version: VERSION, join_pdu: JSON.stringify(join.pdu), state, auth_chain: state }, Date.now());
		expect(stored.ok).toBe(true);
		await stub.noteRemoteJoin(0);

		const res = await sent;
		expect(res.status).toBe(200);
		expect(res.body.pdus).toEqual({ [message.event_id]: {} });
		const messages = await api(erin, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/messages?dir=b&limit=5`);
		const bodies = (messages.body.chunk as { type: string; content: { body?: string } }[]).filter((e) => e.type === "m.room.message").map((e) => e.content.body);
		expect(bodies).toEqual(["early"]);
	});

	it("still answers an unknown room at once when no join is under way", async () => {
		const other = await buildRemoteRoom(remote, "nojoin");
		const started = Date.now();
		const res = await fed(remote, "PUT", "/_matrix/federation/v1/send/race2", { origin: remote.name, origin_server_ts: Date.now(), pdus: [other.state.get("m.room.name|")!.pdu], edus: [] });
		expect(Date.now() - started).toBeLessThan(2_000);
		expect(res.status).toBe(200);
		expect(await env.ROOM.getByName(other.room_id).getRoomInfo()).toBeNull();
	});
});
