// Outbound invite v2 and invite rejection through the real CS routes, RoomDO and bridge, against a stand-in
// for the invitee's server (a small Hono app signing with a real key): the invite is stored only when it
// comes back unchanged with that server's valid signature; a rejection goes through make_leave/send_leave,
// or stays local when the inviting server cannot be reached.
// Spec: https://spec.matrix.org/latest/server-server-api/#inviting-to-a-room,
// https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites
import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu } from "../../src/protocol/events/pdu";
import { signEvent } from "../../src/protocol/events/sign-event";
import { roomVersionRules } from "../../src/protocol/room-versions/rules";
import { draftEvent, enc, fed, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { destinationIdle, installReceiver } from "./federation-outbound-helpers";
import { buildRemoteRoom, idOf, VERSION } from "./federation-remote-room-helpers";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";

type Mode = "sign" | "tamper" | "unsigned" | "refuse" | "down";
let mode: Mode = "sign";
let remote: RemoteServer;
let alice: TestUser;
let roomId: string;
const invitesSeen: { room_version: unknown; invite_room_state: Pdu[] }[] = [];
const leavesSeen: Pdu[] = [];
const knocksSeen: Pdu[] = [];

/** The invitee's server: countersigns (or misbehaves, per `mode`); serves make_leave / send_leave. */
function inviteeServer(app: Hono): void {
	app.put("/_matrix/federation/v2/invite/:roomId/:eventId", async (c) => {
		const body = (await c.req.json()) as { event: Pdu; room_version: string; invite_room_state: Pdu[] };
		invitesSeen.push({ room_version: body.room_version, invite_room_state: body.invite_room_state });
		if (mode === "refuse") return c.json({ errcode: "M_FORBIDDEN", error: "no" }, 403);
		if (mode === "down") return c.json({ errcode: "M_UNKNOWN", error: "down" }, 502);
		if (mode === "unsigned") return c.json({ event: body.event });
		const { signatures, ...draft } = body.event;
		const ours = await signEvent(draft, remote.name, remote.key, roomVersionRules(body.room_version)!);
		const event = { ...body.event, signatures: { ...signatures, ...ours.signatures } };
		if (mode === "tamper") event.content = { ...event.content, displayname: "changed" };
		return c.json({ event });
	});
	app.get("/_matrix/federation/v1/make_leave/:roomId/:userId", (c) => {
		if (mode === "down") return c.json({ errcode: "M_UNKNOWN", error: "down" }, 502);
		const room = rooms.get(c.req.param("roomId"))!;
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), invited.get(c.req.param("userId"))!];
		return c.json({ room_version: VERSION, event: draftEvent(room.room_id, c.req.param("userId"), "m.room.member", { membership: "leave" }, [room.last], auth, room.depth + 2, c.req.param("userId")) });
	});
	app.get("/_matrix/federation/v1/make_knock/:roomId/:userId", (c) => {
		const room = rooms.get(c.req.param("roomId"))!;
		const userId = c.req.param("userId");
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, "m.room.join_rules|")];
		return c.json({ room_version: VERSION, event: draftEvent(room.room_id, userId, "m.room.member", { membership: "knock" }, [room.last], auth, room.depth + 1, userId) });
	});
	app.put("/_matrix/federation/v1/send_knock/:roomId/:eventId", async (c) => {
		const knock = (await c.req.json()) as Pdu;
		knocksSeen.push(knock);
		invited.set(knock.sender, c.req.param("eventId"));
		const room = rooms.get(c.req.param("roomId"))!;
		return c.json({ knock_room_state: [...room.state.values()].map((s) => s.pdu).filter((p) => p.type !== "m.room.member") });
	});
	app.put("/_matrix/federation/v2/send_leave/:roomId/:eventId", async (c) => {
		leavesSeen.push((await c.req.json()) as Pdu);
		return c.json({});
	});
}

const rooms = new Map<string, Awaited<ReturnType<typeof buildRemoteRoom>>>();
/** Invite event IDs by invitee, for make_leave's auth events. */
const invited = new Map<string, string>();

async function memberOf(userId: string): Promise<string | null> {
	return env.ROOM.getByName(roomId).getMembership(userId);
}

beforeAll(async () => {
	remote = await remoteServer("invitee.example", 29);
	await seedKeys([remote]);
	installReceiver({}, inviteeServer);
	alice = await makeUser("outinviter");
	roomId = await createRoom(alice, { preset: "private_chat", name: "outbound" });
});

afterAll(async () => {
	// Rooms may still be sending to these servers: the mocked network must outlive those sends
	// (federation-outbound-helpers.ts destinationIdle says why).
	await destinationIdle(remote.name);
	await destinationIdle("bystander.example");
	vi.restoreAllMocks();
});

describe("outbound invite v2", () => {
	it("stores the invite once the invitee's server countersigned it, and sends the room's stripped state as PDUs", async () => {
		mode = "sign";
		const target = `@bob:${remote.name}`;
		const res = await api(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: target });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(await memberOf(target)).toBe("invite");
		const seen = invitesSeen.at(-1)!;
		expect(seen.room_version).toBe((await env.ROOM.getByName(roomId).getRoomInfo())!.room_version);
		expect(seen.invite_room_state.find((e) => e.type === "m.room.name")?.content.name).toBe("outbound");
		expect(seen.invite_room_state.find((e) => e.type === "m.room.create")?.signatures[ME]).toBeDefined();
		// The stored invite carries both signatures.
		const state = await env.ROOM.getByName(roomId).getCurrentStateIds();
		const id = state.find((e) => e.type === "m.room.member" && e.state_key === target)!.event_id;
		const stored = JSON.parse((await env.ROOM.getByName(roomId).getPdu(id))!) as Pdu;
		expect(Object.keys(stored.signatures).sort()).toEqual([ME, remote.name].sort());
	});

	for (const [m, status, why] of [
		["tamper", 502, "a changed event"],
		["unsigned", 502, "an event without the invitee server's signature"],
		["refuse", 403, "a refusal"],
		["down", 502, "an unreachable server"],
	] as const) {
		it(`commits nothing on ${why}`, async () => {
			mode = m;
			const target = `@${m}:${remote.name}`;
			const before = (await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position;
			const res = await api(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: target });
			expect(res.status).toBe(status);
			expect(typeof (res.body as { errcode?: unknown }).errcode).toBe("string");
			expect(await memberOf(target)).toBeNull();
			expect((await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position).toBe(before);
		});
	}
});

describe("rejecting a remote invite", () => {
	let frank: TestUser;

	/** The remote server invites `user` to a fresh room it holds (inbound invite v2). */
	async function remoteInvite(user: TestUser): Promise<string> {
		const room = await buildRemoteRoom(remote, `rej${rooms.size}`);
		rooms.set(room.room_id, room);
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, `m.room.member|${room.creator}`), idOf(room, "m.room.join_rules|")];
		const invite = await signAs(remote, VERSION, draftEvent(room.room_id, room.creator, "m.room.member", { membership: "invite" }, [room.last], auth, room.depth + 1, user.user_id));
		invited.set(user.user_id, invite.event_id);
		const create = room.state.get("m.room.create|")!.pdu;
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/invite/${enc(room.room_id)}/${enc(invite.event_id)}`, { event: invite.pdu, room_version: VERSION, invite_room_state: [create] });
		expect(res.status).toBe(200);
		return room.room_id;
	}

	async function syncRooms(user: TestUser, since?: string) {
		const res = await api(user, "GET", `/_matrix/client/v3/sync?timeout=0${since ? `&since=${enc(since)}` : ""}`);
		const body = res.body as { next_batch: string; rooms?: { invite?: Record<string, unknown>; leave?: Record<string, unknown> } };
		return { next: body.next_batch, invite: body.rooms?.invite ?? {}, leave: body.rooms?.leave ?? {} };
	}

	beforeAll(async () => {
		frank = await makeUser("rejecter");
	});

	it("sends a signed leave through the inviting server, and /sync moves the room to leave", async () => {
		mode = "sign";
		const room = await remoteInvite(frank);
		const first = await syncRooms(frank);
		expect(first.invite[room]).toBeDefined();
		const res = await api(frank, "POST", `/_matrix/client/v3/rooms/${enc(room)}/leave`, {});
		expect(res.status).toBe(200);
		const leave = leavesSeen.at(-1)!;
		expect(leave).toMatchObject({ type: "m.room.member", state_key: frank.user_id, sender: frank.user_id, content: { membership: "leave" } });
		expect(leave.signatures[ME]).toBeDefined();
		const next = await syncRooms(frank, first.next);
		expect(next.leave[room]).toBeDefined();
		expect(next.invite[room]).toBeUndefined();
	});

	it("takes the inviting server's withdrawal of the invite (a leave sent with /send): /sync shows leave", async () => {
		mode = "sign";
		const room = await remoteInvite(frank);
		const r = rooms.get(room)!;
		const first = await syncRooms(frank);
		expect(first.invite[room]).toBeDefined();
		const auth = [idOf(r, "m.room.create|"), idOf(r, "m.room.power_levels|"), idOf(r, `m.room.member|${r.creator}`), invited.get(frank.user_id)!];
		const withdraw = await signAs(remote, VERSION, draftEvent(room, r.creator, "m.room.member", { membership: "leave" }, [invited.get(frank.user_id)!], auth, r.depth + 2, frank.user_id));
		// Only the inviting server may end the invite.
		const other = await remoteServer("bystander.example", 37);
		await seedKeys([remote, other]);
		const stray = await fed(other, "PUT", "/_matrix/federation/v1/send/w0", { origin: other.name, origin_server_ts: Date.now(), pdus: [withdraw.pdu], edus: [] });
		expect(stray.status).toBe(200);
		expect((await syncRooms(frank, first.next)).leave[room]).toBeUndefined();
		const sent = await fed(remote, "PUT", "/_matrix/federation/v1/send/w1", { origin: remote.name, origin_server_ts: Date.now(), pdus: [withdraw.pdu], edus: [] });
		expect(sent.body.pdus).toEqual({ [withdraw.event_id]: {} });
		const next = await syncRooms(frank, first.next);
		expect(next.leave[room]).toBeDefined();
		expect(next.invite[room]).toBeUndefined();
	});

	it("rejects locally when the inviting server cannot be reached", async () => {
		const room = await remoteInvite(frank);
		mode = "down";
		const sent = leavesSeen.length;
		const first = await syncRooms(frank);
		const res = await api(frank, "POST", `/_matrix/client/v3/rooms/${enc(room)}/leave`, {});
		expect(res.status).toBe(200);
		expect(leavesSeen.length).toBe(sent);
		const next = await syncRooms(frank, first.next);
		expect(next.leave[room]).toBeDefined();
		expect(next.invite[room]).toBeUndefined();
		// Nothing left to reject.
		const again = await api(frank, "POST", `/_matrix/client/v3/rooms/${enc(room)}/leave`, {});
		expect(again.status).toBe(403);
	});
});

describe("knocking on a room held elsewhere", () => {
	it("knocks through make_knock/send_knock, shows the room in rooms.knock, and retracts the knock with a leave", async () => {
		mode = "sign";
		const kim = await makeUser("outknocker");
		const room = await buildRemoteRoom(remote, "knockout");
		rooms.set(room.room_id, room);
		const res = await api(kim, "POST", `/_matrix/client/v3/knock/${enc(room.room_id)}?via=${remote.name}`, { reason: "please" });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(knocksSeen.at(-1)).toMatchObject({ type: "m.room.member", state_key: kim.user_id, content: { membership: "knock", reason: "please" } });
		expect(knocksSeen.at(-1)!.signatures[ME]).toBeDefined();
		const first = await api(kim, "GET", "/_matrix/client/v3/sync?timeout=0");
		const knock = (first.body.rooms as { knock: Record<string, { knock_state: { events: { type: string; state_key: string; content: Record<string, unknown> }[] } }> }).knock[room.room_id];
		expect(knock?.knock_state.events.find((e) => e.type === "m.room.name")?.content.name).toBe("Remote knockout");
		// The knocker's own member event is part of the knock state, as for a local knock.
		expect(knock?.knock_state.events.find((e) => e.type === "m.room.member" && e.state_key === kim.user_id)?.content.membership).toBe("knock");

		const sent = leavesSeen.length;
		const left = await api(kim, "POST", `/_matrix/client/v3/rooms/${enc(room.room_id)}/leave`, {});
		expect(left.status).toBe(200);
		expect(leavesSeen.length).toBe(sent + 1);
		const next = await api(kim, "GET", `/_matrix/client/v3/sync?timeout=0&since=${enc(first.body.next_batch as string)}`);
		const rooms2 = next.body.rooms as { knock?: Record<string, unknown>; leave?: Record<string, unknown> };
		expect(rooms2.leave?.[room.room_id]).toBeDefined();
		expect(rooms2.knock?.[room.room_id]).toBeUndefined();
	});
});
