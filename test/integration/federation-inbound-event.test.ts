// GET /_matrix/federation/v1/event/{eventId} through the real route: the D1 event → room index the RoomDO
// fills after commits, the transaction-shaped answer, and the refusals (unknown event, a server with no user
// in the room, an event from before its users could see the room, a server the ACL denies).
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1eventeventid
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { enc, fed, type FedResponse, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let stranger: RemoteServer;
let alice: TestUser;
let roomId: string;
let beforeJoinId: string;
let joinId: string;
let afterJoinId: string;
const bob = "@bob:event.example";

/** The index is written by the room's drain just after the commit: ask again briefly (bounded) until it is there. */
async function getEvent(from: RemoteServer, eventId: string): Promise<FedResponse> {
	let res = await fed(from, "GET", `/_matrix/federation/v1/event/${enc(eventId)}`);
	for (let i = 0; i < 50 && res.status === 404; i++) {
		await new Promise((r) => setTimeout(r, 20));
		res = await fed(from, "GET", `/_matrix/federation/v1/event/${enc(eventId)}`);
	}
	return res;
}

async function send(body: string): Promise<string> {
	const sent = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${crypto.randomUUID()}`, { msgtype: "m.text", body });
	expect(sent.status).toBe(200);
	return sent.body.event_id as string;
}

beforeAll(async () => {
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("event.example", 21);
	stranger = await remoteServer("outsider-event.example", 22);
	await seedKeys([remote, stranger]);
	alice = await makeUser("fedeventalice");
	// "joined": a server sees only what happened while one of its users was in the room.
	roomId = await createRoom(alice, { preset: "public_chat", initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }] });
	beforeJoinId = await send("before bob");
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=${version}`);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	joinId = signed.event_id;
	expect((await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(joinId)}`, signed.pdu)).status).toBe(200);
	afterJoinId = await send("hi bob");
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("GET /federation/v1/event", () => {
	it("answers a member server with a transaction holding the event as stored", async () => {
		const res = await getEvent(remote, afterJoinId);
		expect(res.status).toBe(200);
		expect(res.body.origin).toBe(ME);
		expect(typeof res.body.origin_server_ts).toBe("number");
		const pdus = res.body.pdus as Pdu[];
		expect(pdus.length).toBe(1);
		expect(pdus[0]).toEqual(JSON.parse((await env.ROOM.getByName(roomId).getPdu(afterJoinId))!));
		expect(pdus[0]!.content.body).toBe("hi bob");
	});

	it("finds events the room received over federation (the remote user's join)", async () => {
		const res = await getEvent(remote, joinId);
		expect(res.status).toBe(200);
		expect((res.body.pdus as Pdu[])[0]!.state_key).toBe(bob);
	});

	it("refuses an event from before the server's users could see the room (history_visibility joined)", async () => {
		// The later event is indexed, so the earlier one is too: the refusal is the room's, not a missing index entry.
		expect((await getEvent(remote, afterJoinId)).status).toBe(200);
		const res = await fed(remote, "GET", `/_matrix/federation/v1/event/${enc(beforeJoinId)}`);
		expect(res.status).toBe(403);
		expect(res.body.errcode).toBe("M_FORBIDDEN");
	});

	it("answers 404 M_NOT_FOUND for an unknown event and 400 for a malformed ID", async () => {
		const unknown = await fed(remote, "GET", `/_matrix/federation/v1/event/${enc("$doesnotexist0000000000000000000000000000000")}`);
		expect(unknown.status).toBe(404);
		expect(unknown.body.errcode).toBe("M_NOT_FOUND");
		const bad = await fed(remote, "GET", `/_matrix/federation/v1/event/not-an-event-id`);
		expect(bad.status).toBe(400);
	});

	it("refuses a server with no user in the room", async () => {
		expect((await getEvent(remote, afterJoinId)).status).toBe(200);
		const res = await fed(stranger, "GET", `/_matrix/federation/v1/event/${enc(afterJoinId)}`);
		expect(res.status).toBe(403);
		expect(res.body.errcode).toBe("M_FORBIDDEN");
	});

	it("refuses a member server once the room's server ACL denies it", async () => {
		const acl = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.server_acl/`, { allow: ["*"], deny: ["event.example"] });
		expect(acl.status).toBe(200);
		const res = await fed(remote, "GET", `/_matrix/federation/v1/event/${enc(afterJoinId)}`);
		expect(res.status).toBe(403);
		expect(res.body.errcode).toBe("M_FORBIDDEN");
	});
});
