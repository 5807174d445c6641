// PUT /_matrix/federation/v2/invite: a remote server invites a local user to a room we do not hold (or to
// one we hold); the event comes back countersigned and the invitee's /sync shows it.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2inviteroomideventid
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { currentState, draftEvent, enc, fed, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { buildRemoteRoom, idOf, type RemoteRoom, VERSION } from "./federation-remote-room-helpers";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";

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

describe("inbound invite v2 to a room this server holds", () => {
	let roomId: string;
	let version: string;
	const ivan = "@ivan:inviter.example";

	beforeAll(async () => {
		// Outbound federation (the join's hand-off to inviter.example) has nowhere to go here.
		vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
		const host = await makeUser("heldhost");
		roomId = await createRoom(host, { preset: "public_chat", power_level_content_override: { invite: 0 } });
		version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
		await ivanJoins(roomId);
	});

	afterAll(() => {
		vi.restoreAllMocks();
	});

	/** Ivan (joined through make_join/send_join) invites `target` to `room` after its extremities. */
	async function inviteOf(room: string, target: string) {
		const state = await currentState(room);
		const auth = [state.get("m.room.power_levels|")!, state.get(`m.room.member|${ivan}`)!, state.get("m.room.join_rules|")!];
		if (version !== "12") auth.push(state.get("m.room.create|")!);
		const prev = await env.ROOM.getByName(room).getForwardExtremities();
		return signAs(remote, version, draftEvent(room, ivan, "m.room.member", { membership: "invite" }, prev, auth, 100, target));
	}

	async function ivanJoins(room: string): Promise<void> {
		const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(room)}/${enc(ivan)}?ver=${version}`);
		const join = await signAs(remote, version, made.body.event as PduDraft);
		expect((await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(room)}/${enc(join.event_id)}`, join.pdu)).status).toBe(200);
	}

	it("countersigns the invite and takes it as a PDU of the room: the invitee sees it in /sync", async () => {
		const invitee = await makeUser("heldinvitee");
		const invite = await inviteOf(roomId, invitee.user_id);
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(invite.event_id)}`, { event: invite.pdu, room_version: version, invite_room_state: [] });
		expect(res.status).toBe(200);
		expect(Object.keys((res.body.event as Pdu).signatures).sort()).toEqual([ME, remote.name].sort());
		expect(await env.ROOM.getByName(roomId).getMembership(invitee.user_id)).toBe("invite");
		const sync = await api(invitee, "GET", "/_matrix/client/v3/sync?timeout=0");
		expect((sync.body.rooms as { invite: Record<string, unknown> }).invite[roomId]).toBeDefined();
	});

	it("refuses an invite the room's state does not allow", async () => {
		const strict = await createRoom(await makeUser("stricthost"), { preset: "public_chat" });
		await ivanJoins(strict);
		const target = (await makeUser("strictinvitee")).user_id;
		const invite = await inviteOf(strict, target);
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/invite/${enc(strict)}/${enc(invite.event_id)}`, { event: invite.pdu, room_version: version, invite_room_state: [] });
		// public_chat: inviting needs power 50; a remote member at 0 may not.
		expect(res.status).toBe(403);
		expect(await env.ROOM.getByName(strict).getMembership(target)).toBeNull();
	});
});
