// The serving endpoints through the real routes: state, state_ids, event_auth, backfill, get_missing_events,
// timestamp_to_event answer a member server and refuse a server with no user in the room.
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-events
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { enc, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let stranger: RemoteServer;
let alice: TestUser;
let roomId: string;
let joinId: string;
let messageId: string;
const bob = "@bob:serve.example";

beforeAll(async () => {
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("serve.example", 11);
	stranger = await remoteServer("outsider.example", 12);
	await seedKeys([remote, stranger]);
	alice = await makeUser("fedservealice");
	roomId = await createRoom(alice, { preset: "public_chat" });
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=${version}`);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	joinId = signed.event_id;
	expect((await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(joinId)}`, signed.pdu)).status).toBe(200);
	const sent = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/s1`, { msgtype: "m.text", body: "hi bob" });
	messageId = sent.body.event_id as string;
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("serving endpoints", () => {
	it("state_ids and state give the state before the event and its auth chain", async () => {
		const ids = await fed(remote, "GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(messageId)}`);
		expect(ids.status).toBe(200);
		expect(ids.body.pdu_ids).toContain(joinId);
		expect(Array.isArray(ids.body.auth_chain_ids)).toBe(true);
		const full = await fed(remote, "GET", `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(messageId)}`);
		expect(full.status).toBe(200);
		expect((full.body.pdus as Pdu[]).map((p) => p.type)).toContain("m.room.create");
		expect((full.body.pdus as Pdu[]).length).toBe((ids.body.pdu_ids as string[]).length);
	});

	it("event_auth gives the auth chain of an event", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(messageId)}`);
		expect(res.status).toBe(200);
		const types = (res.body.auth_chain as Pdu[]).map((p) => p.type);
		expect(types).toEqual(expect.arrayContaining(["m.room.create", "m.room.power_levels", "m.room.member"]));
	});

	it("backfill walks back from v, including it", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/backfill/${enc(roomId)}?v=${enc(messageId)}&limit=3`);
		expect(res.status).toBe(200);
		const pdus = res.body.pdus as Pdu[];
		expect(pdus.length).toBe(3);
		expect(pdus[0]!.type).toBe("m.room.message");
		expect(pdus[1]!.type).toBe("m.room.member");
	});

	it("get_missing_events returns the events between earliest and latest", async () => {
		const res = await fed(remote, "POST", `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [], latest_events: [messageId], limit: 5 });
		expect(res.status).toBe(200);
		const events = res.body.events as Pdu[];
		expect(events.length).toBe(5);
		// Oldest first; the newest returned is the message's prev event (bob's join).
		expect(events[events.length - 1]!.state_key).toBe(bob);
		const none = await fed(remote, "POST", `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [joinId], latest_events: [messageId] });
		expect(none.body.events).toEqual([]);
	});

	it("timestamp_to_event finds the closest event", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/timestamp_to_event/${enc(roomId)}?ts=${Date.now() + 60_000}&dir=b`);
		expect(res.status).toBe(200);
		expect(res.body.event_id).toBe(messageId);
	});

	it("refuses a server with no user in the room", async () => {
		for (const [method, uri] of [
			["GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(messageId)}`],
			["GET", `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(messageId)}`],
			["GET", `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(messageId)}`],
			["GET", `/_matrix/federation/v1/backfill/${enc(roomId)}?v=${enc(messageId)}&limit=3`],
		] as const) {
			const res = await fed(stranger, method, uri);
			expect(res.status, uri).toBe(403);
			expect(res.body.errcode).toBe("M_FORBIDDEN");
		}
		const missing = await fed(stranger, "POST", `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [], latest_events: [messageId] });
		expect(missing.status).toBe(403);
	});

	it("refuses a member server once the room's server ACL denies it", async () => {
		const acl = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.server_acl/`, { allow: ["*"], deny: ["serve.example"] });
		expect(acl.status).toBe(200);
		const res = await fed(remote, "GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(messageId)}`);
		expect(res.status).toBe(403);
	});
});
