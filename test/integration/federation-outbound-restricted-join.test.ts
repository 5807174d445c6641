// Joining a restricted room held elsewhere from the CS API: the resident's make_join names the member who
// vouches for the join (join_authorised_via_users_server), our signed join carries it, and send_join's
// returned `event` must carry the resident's valid signature, which the stored join keeps.
// Spec: https://spec.matrix.org/latest/server-server-api/#restricted-rooms,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2send_joinroomideventid
import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { signEvent } from "../../src/protocol/events/sign-event";
import { roomVersionRules } from "../../src/protocol/room-versions/rules";
import { draftEvent, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { destinationIdle, installReceiver } from "./federation-outbound-helpers";
import { buildRemoteRoom, idOf, type RemoteRoom, VERSION } from "./federation-remote-room-helpers";
import { api, enc, makeUser } from "./rooms-helpers";

let resident: RemoteServer;
let room: RemoteRoom;
/** Whether the resident countersigns the join it returns (a faithful resident does). */
let countersign = true;
const sentJoins: Pdu[] = [];

/** The resident of a restricted room: make_join names its creator as the authoriser; send_join countersigns. */
function residentServer(app: Hono): void {
	app.get("/_matrix/federation/v1/make_join/:roomId/:userId", (c) => {
		const userId = c.req.param("userId");
		const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, "m.room.join_rules|"), idOf(room, `m.room.member|${room.creator}`)];
		const event = draftEvent(room.room_id, userId, "m.room.member", { membership: "join", join_authorised_via_users_server: room.creator }, [room.last], auth, room.depth + 1, userId);
		return c.json({ room_version: VERSION, event });
	});
	app.put("/_matrix/federation/v2/send_join/:roomId/:eventId", async (c) => {
		const join = (await c.req.json()) as Pdu;
		sentJoins.push(join);
		const { signatures, ...draft } = join;
		const ours = await signEvent(draft, resident.name, resident.key, roomVersionRules(VERSION)!);
		const event = countersign ? { ...join, signatures: { ...signatures, ...ours.signatures } } : join;
		const state = [...room.state.values()].map((s) => s.pdu);
		return c.json({ origin: resident.name, event, state, auth_chain: state, members_omitted: false });
	});
}

beforeAll(async () => {
	resident = await remoteServer("restricted.example", 31);
	await seedKeys([resident]);
	room = await buildRemoteRoom(resident, "restricted");
	// The room turns restricted (allowing members of some space) after its public start.
	const rules = await signAs(
		resident,
		VERSION,
		draftEvent(room.room_id, room.creator, "m.room.join_rules", { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: `!space:${resident.name}` }] }, [room.last], [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, `m.room.member|${room.creator}`)], room.depth + 1, ""),
	);
	room.depth += 1;
	room.last = rules.event_id;
	room.state.set("m.room.join_rules|", rules);
	installReceiver({}, residentServer);
});

afterAll(async () => {
	// Rooms may still be sending to these servers: the mocked network must outlive those sends
	// (federation-outbound-helpers.ts destinationIdle says why).
	await destinationIdle(resident.name);
	vi.restoreAllMocks();
});

describe("outbound restricted join", () => {
	it("refuses a returned join without the resident's signature, and creates no room", async () => {
		countersign = false;
		const user = await makeUser("restrictedearly");
		const res = await api(user, "POST", `/_matrix/client/v3/join/${enc(room.room_id)}?via=${resident.name}`, {});
		expect(res.status).not.toBe(200);
		expect(sentJoins.at(-1)?.content.join_authorised_via_users_server).toBe(room.creator);
		expect(await env.ROOM.getByName(room.room_id).getRoomInfo()).toBeNull();
	});

	it("joins with the resident's authorisation and keeps its signature on the stored join", async () => {
		countersign = true;
		const user = await makeUser("restrictedjoiner");
		const res = await api(user, "POST", `/_matrix/client/v3/join/${enc(room.room_id)}?via=${resident.name}`, {});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const sent = sentJoins.at(-1) as Pdu & PduDraft;
		expect(sent.content).toMatchObject({ membership: "join", join_authorised_via_users_server: room.creator });
		expect(Object.keys(sent.signatures)).toEqual([ME]);
		const stub = env.ROOM.getByName(room.room_id);
		expect(await stub.getMembership(user.user_id)).toBe("join");
		const state = await stub.getCurrentStateIds();
		const joinId = state.find((e) => e.type === "m.room.member" && e.state_key === user.user_id)!.event_id;
		const stored = JSON.parse((await stub.getPdu(joinId))!) as Pdu;
		expect(Object.keys(stored.signatures).sort()).toEqual([ME, resident.name].sort());
	});
});
