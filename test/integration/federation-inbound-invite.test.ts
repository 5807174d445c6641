// PUT /_matrix/federation/v2/invite: a remote server invites a local user to a room we do not hold; the
// event comes back countersigned and the invitee's /sync shows it with its stripped state.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2inviteroomideventid
import { beforeAll, describe, expect, it } from "vitest";
import type { Pdu } from "../../src/protocol/events/pdu";
import { draftEvent, enc, fed, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { buildRemoteRoom, idOf, type RemoteRoom, VERSION } from "./federation-remote-room-helpers";
import { api, makeUser, type TestUser } from "./rooms-helpers";

let remote: RemoteServer;
let other: RemoteServer;
let room: RemoteRoom;
let frank: TestUser;

beforeAll(async () => {
	remote = await remoteServer("inviter.example", 17);
	other = await remoteServer("other.example", 19);
	await seedKeys([remote, other]);
	room = await buildRemoteRoom(remote, "invite");
	frank = await makeUser("invitee");
});

async function inviteEvent(target: string) {
	const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, `m.room.member|${room.creator}`), idOf(room, "m.room.join_rules|")];
	return signAs(remote, VERSION, draftEvent(room.room_id, room.creator, "m.room.member", { membership: "invite" }, [room.last], auth, room.depth + 1, target));
}

const stateOf = (r: RemoteRoom) => [...r.state.values()].filter((s) => ["m.room.name", "m.room.encryption", "m.room.create"].includes(s.pdu.type)).map((s) => ({ type: s.pdu.type, state_key: "", sender: s.pdu.sender, content: s.pdu.content }));

describe("inbound invite v2", () => {
	it("refuses an invite sent by a server other than the inviter's", async () => {
		const invite = await inviteEvent(frank.user_id);
		const res = await fed(other, "PUT", `/_matrix/federation/v2/invite/${enc(room.room_id)}/${enc(invite.event_id)}`, { event: invite.pdu, room_version: VERSION, invite_room_state: [] });
		expect(res.status).toBe(403);
	});

	it("refuses an unsupported room version", async () => {
		const invite = await inviteEvent(frank.user_id);
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/invite/${enc(room.room_id)}/${enc(invite.event_id)}`, { event: invite.pdu, room_version: "1", invite_room_state: [] });
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_INCOMPATIBLE_ROOM_VERSION");
	});

	it("countersigns the invite and shows it in the invitee's /sync with its stripped state", async () => {
		const invite = await inviteEvent(frank.user_id);
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/invite/${enc(room.room_id)}/${enc(invite.event_id)}`, { event: invite.pdu, room_version: VERSION, invite_room_state: stateOf(room) });
		expect(res.status).toBe(200);
		const signed = res.body.event as Pdu;
		expect(Object.keys(signed.signatures).sort()).toEqual([ME, remote.name].sort());
		const sync = await api(frank, "GET", "/_matrix/client/v3/sync?timeout=0");
		const invited = (sync.body.rooms as { invite: Record<string, { invite_state: { events: { type: string; content: Record<string, unknown> }[] } }> }).invite[room.room_id];
		expect(invited).toBeDefined();
		const types = invited!.invite_state.events.map((e) => e.type);
		expect(types).toEqual(expect.arrayContaining(["m.room.name", "m.room.encryption", "m.room.member"]));
	});
});
