// POST /createRoom with users of other servers in `invite` (what clients do to open a DM with a remote user):
// the room is created, each remote invitee gets an invite v2 carrying is_direct, and the invite is stored
// once their server countersigned it; a server that refuses does not undo the room or the other invites.
// Found interop-testing with Synapse 1.67, which clients reach exactly this way.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3createroom,
// https://spec.matrix.org/latest/server-server-api/#inviting-to-a-room
import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu } from "../../src/protocol/events/pdu";
import { signEvent } from "../../src/protocol/events/sign-event";
import { roomVersionRules } from "../../src/protocol/room-versions/rules";
import { ME, remoteServer, type RemoteServer, seedKeys } from "./federation-inbound-helpers";
import { destinationIdle, installReceiver } from "./federation-outbound-helpers";
import { api, makeUser, type TestUser } from "./rooms-helpers";

let remote: RemoteServer;
let alice: TestUser;
let local: TestUser;
const invitesSeen: Pdu[] = [];

/** The invitees' server: countersigns every invite except those of @refuser. */
function inviteeServer(app: Hono): void {
	app.put("/_matrix/federation/v2/invite/:roomId/:eventId", async (c) => {
		const body = (await c.req.json()) as { event: Pdu; room_version: string };
		invitesSeen.push(body.event);
		if (body.event.state_key?.startsWith("@refuser:")) return c.json({ errcode: "M_FORBIDDEN", error: "no" }, 403);
		const { signatures, ...draft } = body.event;
		const ours = await signEvent(draft, remote.name, remote.key, roomVersionRules(body.room_version)!);
		return c.json({ event: { ...body.event, signatures: { ...signatures, ...ours.signatures } } });
	});
}

async function membersOf(roomId: string): Promise<Record<string, string>> {
	const state = await env.ROOM.getByName(roomId).getCurrentStateIds();
	const out: Record<string, string> = {};
	for (const e of state.filter((s) => s.type === "m.room.member")) out[e.state_key] = (await env.ROOM.getByName(roomId).getMembership(e.state_key))!;
	return out;
}

beforeAll(async () => {
	remote = await remoteServer("dm-invitee.example", 71);
	await seedKeys([remote]);
	installReceiver({}, inviteeServer);
	alice = await makeUser("crinviter");
	local = await makeUser("crlocal");
});

afterAll(async () => {
	// The rooms hand their later events to the invitees' server: the mocked network must outlive those sends.
	await destinationIdle(remote.name);
	vi.restoreAllMocks();
});

describe("createRoom inviting remote users", () => {
	it("invites a remote user over federation, with is_direct, and stores the countersigned invite", async () => {
		const bob = `@bob:${remote.name}`;
		const res = await api(alice, "POST", "/_matrix/client/v3/createRoom", { preset: "trusted_private_chat", is_direct: true, invite: [bob, local.user_id] });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const roomId = res.body.room_id as string;
		expect(await membersOf(roomId)).toEqual({ [alice.user_id]: "join", [bob]: "invite", [local.user_id]: "invite" });
		const sent = invitesSeen.filter((e) => e.room_id === roomId);
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({ sender: alice.user_id, state_key: bob, content: { membership: "invite", is_direct: true } });
		const state = await env.ROOM.getByName(roomId).getCurrentStateIds();
		const stored = JSON.parse((await env.ROOM.getByName(roomId).getPdu(state.find((e) => e.state_key === bob)!.event_id))!) as Pdu;
		expect(Object.keys(stored.signatures).sort()).toEqual([ME, remote.name].sort());
	});

	it("keeps the room and the other invites when one remote server refuses", async () => {
		const refuser = `@refuser:${remote.name}`;
		const carol = `@carol:${remote.name}`;
		const res = await api(alice, "POST", "/_matrix/client/v3/createRoom", { preset: "private_chat", invite: [refuser, carol] });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const roomId = res.body.room_id as string;
		expect(await membersOf(roomId)).toEqual({ [alice.user_id]: "join", [carol]: "invite" });
		expect(invitesSeen.filter((e) => e.room_id === roomId).map((e) => e.state_key)).toEqual([refuser, carol]);
		expect(invitesSeen.filter((e) => e.room_id === roomId).every((e) => e.content.is_direct === undefined)).toBe(true);
	});
});
