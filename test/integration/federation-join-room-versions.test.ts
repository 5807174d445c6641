// Every room version we create (10, 11, 12) joined over federation: a remote user's make_join / send_join
// (v12: the room ID is the create event's reference hash, and auth events never cite the create event),
// then a message over /send that the local member reads, and a local reply that carries the version's
// own event format. Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms,
// https://spec.matrix.org/latest/rooms/
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { currentState, draftEvent, enc, fed, type RemoteServer, remoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let alice: TestUser;

beforeAll(async () => {
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("versions.example", 21);
	await seedKeys([remote]);
	alice = await makeUser("versions-alice");
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe.each(["10", "11", "12"])("room version %s over federation", (version) => {
	const bob = `@bob${version}:versions.example`;
	let roomId: string;

	it("a remote user joins through make_join and send_join", async () => {
		roomId = await createRoom(alice, { preset: "public_chat", room_version: version });
		const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=${version}`);
		expect(made.status).toBe(200);
		expect(made.body.room_version).toBe(version);
		const template = made.body.event as PduDraft;
		const createId = (await currentState(roomId)).get("m.room.create|")!;
		// v12: auth events never cite the create event (the room ID stands for it).
		expect((template.auth_events as string[]).includes(createId)).toBe(version !== "12");
		const signed = await signAs(remote, version, template);
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const state = res.body.state as Pdu[];
		expect(state.map((p) => p.type)).toEqual(expect.arrayContaining(["m.room.create", "m.room.power_levels", "m.room.join_rules"]));
		const create = state.find((p) => p.type === "m.room.create")!;
		// v12 rooms: the create event names no room ID and its ID is the room's; earlier: create has room_id.
		if (version === "12") {
			expect(create.room_id).toBeUndefined();
			expect(createId).toBe(`$${roomId.slice(1)}`);
		} else expect(create.room_id).toBe(roomId);
		expect(await env.ROOM.getByName(roomId).getMembership(bob)).toBe("join");
	});

	it("a message over /send reaches the local member, and her reply is a PDU of the room's version", async () => {
		const current = await currentState(roomId);
		const auth = [current.get("m.room.power_levels|")!, current.get(`m.room.member|${bob}`)!];
		if (version !== "12") auth.push(current.get("m.room.create|")!);
		const prev = await env.ROOM.getByName(roomId).getForwardExtremities();
		const msg = await signAs(remote, version, draftEvent(roomId, bob, "m.room.message", { msgtype: "m.text", body: `hello v${version}` }, prev, auth, 1000));
		const sent = await fed(remote, "PUT", `/_matrix/federation/v1/send/v${version}-1`, { origin: remote.name, origin_server_ts: Date.now(), pdus: [msg.pdu], edus: [] });
		expect(sent.body).toEqual({ pdus: { [msg.event_id]: {} } });
		const seen = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(msg.event_id)}`);
		expect(seen.status).toBe(200);
		expect((seen.body.content as { body: string }).body).toBe(`hello v${version}`);

		const reply = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/v${version}`, { msgtype: "m.text", body: "hi back" });
		expect(reply.status).toBe(200);
		// Served to the remote server as a PDU in its room version's format (no event_id field since v3).
		// The event index that GET /event reads is written by the room's drain, which starts after a
		// message send's reply: wait for it (bounded).
		const fetchReply = () => fed(remote, "GET", `/_matrix/federation/v1/event/${enc(reply.body.event_id as string)}`);
		let served = await fetchReply();
		for (let i = 0; i < 100 && served.status === 404; i++) {
			await new Promise((r) => setTimeout(r, 20));
			served = await fetchReply();
		}
		expect(served.status).toBe(200);
		const pdu = (served.body.pdus as Pdu[])[0]!;
		expect(pdu).not.toHaveProperty("event_id");
		expect(pdu.prev_events).toContain(msg.event_id);
		expect((pdu.auth_events as string[]).includes(current.get("m.room.create|")!)).toBe(version !== "12");
	});
});
