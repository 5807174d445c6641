// After a remote join (send_join's state and auth chain handed to RoomDO.joinRemoteRoom), the joined room's
// state reads like any room's: GET /state/{type}/{stateKey} and GET /state serve the returned state.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidstateeventtypestatekey
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { remoteServer, seedKeys } from "./federation-inbound-helpers";
import { buildRemoteRoom, localJoin, type RemoteRoom, VERSION } from "./federation-remote-room-helpers";
import { api, enc, makeUser, type TestUser } from "./rooms-helpers";

let room: RemoteRoom;
let dave: TestUser;

beforeAll(async () => {
	const remote = await remoteServer("resident.example", 11);
	await seedKeys([remote]);
	room = await buildRemoteRoom(remote, "statejoin");
	dave = await makeUser("statejoiner");
	const join = await localJoin(room, dave.user_id);
	const state = [...room.state.values()].map((s) => JSON.stringify(s.pdu));
	const stored = await env.ROOM.getByName(room.room_id).joinRemoteRoom(
		{ room_id: room.room_id, room_version: VERSION, join_pdu: JSON.stringify(join.pdu), state, auth_chain: state },
		Date.now(),
	);
	expect(stored.ok).toBe(true);
});

describe("state of a room joined over federation", () => {
	it("serves single state events from the send_join state", async () => {
		const name = await api(dave, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/state/m.room.name/`);
		expect(name.status).toBe(200);
		expect(name.body).toEqual({ name: "Remote statejoin" });
		const enc2 = await api(dave, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/state/m.room.encryption/`);
		expect(enc2.body).toEqual({ algorithm: "m.megolm.v1.aes-sha2" });
	});

	it("serves the full state, with our join and the resident's", async () => {
		const all = await api(dave, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/state`);
		expect(all.status).toBe(200);
		const keys = (all.body as unknown as { type: string; state_key: string }[]).map((e) => `${e.type}|${e.state_key}`);
		expect(keys).toEqual(expect.arrayContaining(["m.room.create|", "m.room.power_levels|", "m.room.name|", `m.room.member|${room.creator}`, `m.room.member|${dave.user_id}`]));
		const members = await api(dave, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/joined_members`);
		expect(Object.keys((members.body as { joined: Record<string, unknown> }).joined).sort()).toEqual([dave.user_id, room.creator].sort());
	});
});
