// m.presence across servers, with a remote member joined to a local room through the real make_join and
// send_join routes: an inbound EDU about the remote member reaches a local room mate's /sync `presence` (and
// not a stranger's, nor when another server speaks for the user); a local user's presence change queues an
// m.presence EDU on the remote member's DestinationDO.
// Spec: https://spec.matrix.org/latest/server-server-api/#presence
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import { enc, fed, type RemoteServer, remoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { type SyncBody, sleep, sync, syncUntil } from "./sync-helpers";

const REMOTE = "presence-remote.example";
let remote: RemoteServer;
let other: RemoteServer;
let alice: TestUser;
let stranger: TestUser;
let aliceToken: string;
let strangerToken: string;
const carol = `@carol:${REMOTE}`;

const presenceOf = (body: SyncBody, sender: string) => body.presence.events.filter((e) => e.sender === sender);

/** Queued plus in-flight m.presence EDU contents on the DestinationDO for REMOTE. */
async function outboundPresence(): Promise<{ push: Record<string, unknown>[] }[]> {
	return runInDurableObject(env.DESTINATION.getByName(REMOTE), (_i, state) => {
		const queued = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM queue WHERE kind = 'edu'").toArray().map((r) => JSON.parse(r.payload));
		const inFlight = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM in_flight_txn").toArray().flatMap((r) => JSON.parse(r.payload).edus);
		return [...queued, ...inFlight].filter((e: { edu_type: string }) => e.edu_type === "m.presence").map((e: { content: { push: Record<string, unknown>[] } }) => e.content);
	});
}

function presenceEdu(userId: string, presence: string, extra: Record<string, unknown> = {}) {
	return { edu_type: "m.presence", content: { push: [{ user_id: userId, presence, last_active_ago: 2_000, ...extra }] } };
}

beforeAll(async () => {
	// The DestinationDO's sends fail fast; what it queued is what this test reads.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer(REMOTE, 61);
	other = await remoteServer("presence-other.example", 62);
	await seedKeys([remote, other]);
	alice = await makeUser("fedpresalice");
	stranger = await makeUser("fedpresstranger");
	const roomId = await createRoom(alice, { preset: "public_chat" });
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(carol)}?ver=${version}`);
	expect(made.status).toBe(200);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	expect((await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu)).status).toBe(200);
	// The room's drain copies carol's join into the D1 remote-member index after its reply.
	await vi.waitFor(async () => expect(await env.DB.prepare("SELECT 1 AS one FROM remote_room_members WHERE user_id = ?1 AND room_id = ?2").bind(carol, roomId).first("one")).toBe(1), { timeout: 5_000, interval: 20 });
	aliceToken = (await syncUntil(alice, (b) => b.rooms.join[roomId] !== undefined)).body.next_batch;
	strangerToken = (await sync(stranger)).body.next_batch;
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("inbound m.presence", () => {
	it("reaches a local room mate's /sync presence, and not a stranger's", async () => {
		const edu = presenceEdu(carol, "unavailable", { status_msg: "lunch", currently_active: false });
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/pres-1", { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [edu] })).status).toBe(200);
		const seen = await syncUntil(alice, (b) => presenceOf(b, carol).length > 0, aliceToken);
		const [event] = presenceOf(seen.body, carol);
		expect(event).toMatchObject({ type: "m.presence", sender: carol, content: { presence: "unavailable", status_msg: "lunch" } });
		expect((event!.content as { last_active_ago: number }).last_active_ago).toBeGreaterThanOrEqual(2_000);
		aliceToken = seen.body.next_batch;
		await sleep(100);
		expect(presenceOf((await sync(stranger, { since: strangerToken, timeout: 200 })).body, carol)).toEqual([]);
		// GET /presence/{userId}/status answers the room mate from what carol's server sent, and 404s the stranger.
		const status = await api(alice, "GET", `/_matrix/client/v3/presence/${enc(carol)}/status`);
		expect(status.status).toBe(200);
		expect(status.body).toMatchObject({ presence: "unavailable", status_msg: "lunch" });
		expect((await api(stranger, "GET", `/_matrix/client/v3/presence/${enc(carol)}/status`)).status).toBe(404);
	});

	it("ignores a server speaking for another server's user, and malformed entries", async () => {
		const forged = presenceEdu(carol, "online", { status_msg: "forged" });
		expect((await fed(other, "PUT", "/_matrix/federation/v1/send/pres-2", { origin: other.name, origin_server_ts: Date.now(), pdus: [], edus: [forged] })).status).toBe(200);
		// A bad state, junk, and a valid entry about a user of the origin who shares no room with anyone here.
		const dave = `@dave:${REMOTE}`;
		const bad = { edu_type: "m.presence", content: { push: [{ user_id: carol, presence: "asleep", last_active_ago: 1 }, "junk", { user_id: dave, presence: "online", last_active_ago: 0 }] } };
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/pres-3", { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [bad] })).status).toBe(200);
		const after = (await sync(alice, { since: aliceToken, timeout: 300 })).body;
		expect(presenceOf(after, carol)).toEqual([]);
		expect(presenceOf(after, dave)).toEqual([]);
	});

	it("one EDU with several entries updates each user it names", async () => {
		const edu = { edu_type: "m.presence", content: { push: [presenceEdu(carol, "online", { status_msg: "back" }).content.push[0], { user_id: `@erin:${REMOTE}`, presence: "online", last_active_ago: 0 }] } };
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/pres-4", { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [edu] })).status).toBe(200);
		const seen = await syncUntil(alice, (b) => presenceOf(b, carol).length > 0, aliceToken);
		expect(presenceOf(seen.body, carol)[0]?.content).toMatchObject({ presence: "online", status_msg: "back" });
		aliceToken = seen.body.next_batch;
	});
});

describe("outbound m.presence", () => {
	it("a local user's presence change queues an m.presence EDU for the remote member's server", async () => {
		expect((await api(alice, "PUT", `/_matrix/client/v3/presence/${enc(alice.user_id)}/status`, { presence: "online", status_msg: "at my desk" })).status).toBe(200);
		let pushes: Record<string, unknown>[] = [];
		for (let i = 0; i < 50 && pushes.length === 0; i++) {
			pushes = (await outboundPresence()).flatMap((c) => c.push).filter((p) => p.user_id === alice.user_id);
			if (pushes.length === 0) await sleep(20);
		}
		expect(pushes).toHaveLength(1);
		expect(pushes[0]).toMatchObject({ user_id: alice.user_id, presence: "online", status_msg: "at my desk", currently_active: true });
		expect(typeof pushes[0]!.last_active_ago).toBe("number");
		// The stranger shares no room with a remote server: nothing is queued anywhere for their change.
		expect((await api(stranger, "PUT", `/_matrix/client/v3/presence/${enc(stranger.user_id)}/status`, { presence: "online" })).status).toBe(200);
		await sleep(100);
		expect((await outboundPresence()).flatMap((c) => c.push).filter((p) => p.user_id === stranger.user_id)).toEqual([]);
	});
});
