// Inbound knocks (make_knock / send_knock v1) and restricted joins (make_join / send_join v2 with
// join_authorised_via_users_server) on local rooms, through the real routes, from a remote server double
// that signs with a real key. Spec: https://spec.matrix.org/latest/server-server-api/#knocking-upon-a-room,
// https://spec.matrix.org/latest/server-server-api/#restricted-rooms
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { enc, fed, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";

let remote: RemoteServer;
let admin: TestUser;
let helper: TestUser;
const knocker = "@knocker:knock.example";
const joiner = "@joiner:knock.example";
const outsider = "@outsider:knock.example";

async function membership(roomId: string, userId: string): Promise<string | null> {
	return env.ROOM.getByName(roomId).getMembership(userId);
}

/** make_join + send_join for a remote user; returns the send_join response. */
async function remoteJoin(roomId: string, userId: string, version: string) {
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}?ver=${version}`);
	if (made.status !== 200) return { made, sent: null };
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	const sent = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
	return { made, sent, event_id: signed.event_id };
}

beforeAll(async () => {
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("knock.example", 23);
	await seedKeys([remote]);
	admin = await makeUser("knockadmin");
	helper = await makeUser("knockhelper");
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("inbound knock", () => {
	let roomId: string;

	beforeAll(async () => {
		roomId = await createRoom(admin, { preset: "private_chat", room_version: "11", name: "knockable", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] });
	});

	it("refuses make_knock when the knocking server does not support the room version", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/make_knock/${enc(roomId)}/${enc(knocker)}?ver=6`);
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_INCOMPATIBLE_ROOM_VERSION");
	});

	it("requires make_knock's ver", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/make_knock/${enc(roomId)}/${enc(knocker)}`);
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_MISSING_PARAM");
	});

	it("refuses make_knock on a room whose join rule is not knock", async () => {
		const closed = await createRoom(admin, { preset: "private_chat", room_version: "11" });
		const res = await fed(remote, "GET", `/_matrix/federation/v1/make_knock/${enc(closed)}/${enc(knocker)}?ver=11`);
		expect(res.status).toBe(403);
	});

	it("takes a knock through make_knock and send_knock and answers the room's stripped state as PDUs", async () => {
		const made = await fed(remote, "GET", `/_matrix/federation/v1/make_knock/${enc(roomId)}/${enc(knocker)}?ver=10&ver=11`);
		expect(made.status).toBe(200);
		expect(made.body.room_version).toBe("11");
		const template = made.body.event as PduDraft;
		expect(template).toMatchObject({ type: "m.room.member", state_key: knocker, sender: knocker, content: { membership: "knock" } });
		const signed = await signAs(remote, "11", { ...template, content: { ...template.content, reason: "hello" } });
		const res = await fed(remote, "PUT", `/_matrix/federation/v1/send_knock/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
		expect(res.status).toBe(200);
		const state = res.body.knock_room_state as Pdu[];
		const create = state.find((e) => e.type === "m.room.create");
		// Full PDUs (Matrix 1.16): signed by us, with hashes.
		expect(create?.signatures[ME]).toBeDefined();
		expect(state.find((e) => e.type === "m.room.name")?.content.name).toBe("knockable");
		expect(state.find((e) => e.type === "m.room.join_rules")?.content.join_rule).toBe("knock");
		expect(await membership(roomId, knocker)).toBe("knock");
	});

	it("refuses a send_knock whose event is not a knock", async () => {
		const made = await fed(remote, "GET", `/_matrix/federation/v1/make_knock/${enc(roomId)}/${enc("@other:knock.example")}?ver=11`);
		const template = made.body.event as PduDraft;
		const signed = await signAs(remote, "11", { ...template, content: { membership: "join" } });
		const res = await fed(remote, "PUT", `/_matrix/federation/v1/send_knock/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
		expect(res.status).toBe(400);
		expect(await membership(roomId, "@other:knock.example")).toBeNull();
	});
});

describe("inbound restricted join", () => {
	let space: string;
	let restricted: string;

	beforeAll(async () => {
		space = await createRoom(admin, { preset: "public_chat", room_version: "10" });
		restricted = await createRoom(admin, {
			preset: "private_chat",
			room_version: "10",
			initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: space }] } }],
		});
		// The helper is in the allowed room only: not a member of the restricted room, so no authoriser for it.
		expect((await api(helper, "POST", `/_matrix/client/v3/join/${enc(space)}`, {})).status).toBe(200);
		const joined = await remoteJoin(space, joiner, "10");
		expect(joined.sent?.status).toBe(200);
	});

	it("refuses a user who is in none of the allowed rooms", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(restricted)}/${enc(outsider)}?ver=10`);
		expect(res.status).toBe(403);
	});

	it("answers M_UNABLE_TO_AUTHORISE_JOIN when it holds none of the allowed rooms", async () => {
		const elsewhere = await createRoom(admin, {
			preset: "private_chat",
			room_version: "10",
			initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: "!unknown:elsewhere.example" }] } }],
		});
		const res = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(elsewhere)}/${enc(joiner)}?ver=10`);
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_UNABLE_TO_AUTHORISE_JOIN");
	});

	it("names a local member who may invite, and countersigns the join on send_join", async () => {
		const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(restricted)}/${enc(joiner)}?ver=10`);
		expect(made.status).toBe(200);
		const template = made.body.event as PduDraft;
		// The admin (power 100) is the only local member of the restricted room.
		expect(template.content.join_authorised_via_users_server).toBe(admin.user_id);
		const signed = await signAs(remote, "10", template);
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(restricted)}/${enc(signed.event_id)}`, signed.pdu);
		expect(res.status).toBe(200);
		const event = res.body.event as Pdu;
		expect(Object.keys(event.signatures).sort()).toEqual([ME, remote.name].sort());
		expect(await membership(restricted, joiner)).toBe("join");
		// The stored copy carries our signature too: what we serve is what the auth rules accepted.
		const stored = JSON.parse((await env.ROOM.getByName(restricted).getPdu(signed.event_id))!) as Pdu;
		expect(stored.signatures[ME]).toBeDefined();
	});

	it("refuses a send_join that names an authoriser who is not in the room", async () => {
		expect((await remoteJoin(space, outsider, "10")).sent?.status).toBe(200);
		// The outsider is now in the allowed room; forge a join naming the helper, who is not in the restricted room.
		const ok = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(restricted)}/${enc(outsider)}?ver=10`);
		expect(ok.status).toBe(200);
		const forged = await signAs(remote, "10", { ...(ok.body.event as PduDraft), content: { membership: "join", join_authorised_via_users_server: helper.user_id } });
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(restricted)}/${enc(forged.event_id)}`, forged.pdu);
		expect(res.status).toBe(403);
		expect(await membership(restricted, outsider)).toBeNull();
	});
});
