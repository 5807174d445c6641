// Device-list tracking across servers, both ways, with a remote member joined to a local room through the
// real make_join/send_join routes: a local user's new device keys queue an m.device_list_update for the
// remote member's server (hs2 once sent none: remote servers never heard of a user's second device), a
// deleted device a `deleted: true` one (a server that caches our devices drops it only then), and
// an inbound m.device_list_update about the remote member puts it in the local user's device_lists.changed.
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import { call, device, deviceKeys, ed25519Key, type TestDevice } from "./e2ee-helpers";
import { enc, fed, type RemoteServer, remoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

const REMOTE = "devlist-remote.example";
let remote: RemoteServer;
let alice: TestDevice;
let roomId: string;
const carol = `@carol:${REMOTE}`;

/** In-flight plus queued EDUs of `type` on the DestinationDO for REMOTE, in send order. */
async function outboundEdus(type: string): Promise<Record<string, unknown>[]> {
	return runInDurableObject(env.DESTINATION.getByName(REMOTE), (_i, state) => {
		const queued = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM queue WHERE kind = 'edu'").toArray().map((r) => JSON.parse(r.payload));
		const inFlight = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM in_flight_txn").toArray().flatMap((r) => JSON.parse(r.payload).edus);
		// The in-flight transaction was claimed before anything still queued: send order.
		return [...inFlight, ...queued].filter((e: { edu_type: string }) => e.edu_type === type).map((e: { content: Record<string, unknown> }) => e.content);
	});
}

beforeAll(async () => {
	// The DestinationDO's sends fail fast; what it queued is what this test reads.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer(REMOTE, 51);
	await seedKeys([remote]);
	alice = await device("devlistalice", "ALICEDEV1");
	const created = await call(alice, "POST", "/v3/createRoom", { preset: "public_chat" });
	roomId = created.body.room_id as string;
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(carol)}?ver=${version}`);
	expect(made.status).toBe(200);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	const joined = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
	expect(joined.status).toBe(200);
	// The room's drain copies carol's join into the D1 remote-member index after its reply.
	await vi.waitFor(async () => expect(await env.DB.prepare("SELECT 1 AS one FROM remote_room_members WHERE user_id = ?1 AND room_id = ?2").bind(carol, roomId).first("one")).toBe(1), { timeout: 5_000, interval: 20 });
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("device lists across servers", () => {
	it("a local user's new device keys queue an m.device_list_update for the remote member's server", async () => {
		const second = await device("devlistalice", "ALICEDEV2");
		const res = await call(second, "POST", "/v3/keys/upload", { device_keys: await deviceKeys(second, await ed25519Key(second.deviceId)) });
		expect(res.status).toBe(200);
		const updates = await outboundEdus("m.device_list_update");
		const forSecond = updates.filter((c) => c.user_id === alice.userId && c.device_id === "ALICEDEV2");
		expect(forSecond).toHaveLength(1);
		expect(forSecond[0]).toMatchObject({ deleted: false, keys: { device_id: "ALICEDEV2", user_id: alice.userId } });
	});

	it("a device deleted by logout queues a `deleted: true` m.device_list_update for the remote member's server", async () => {
		const third = await device("devlistalice", "ALICEDEV3");
		expect((await call(third, "POST", "/v3/keys/upload", { device_keys: await deviceKeys(third, await ed25519Key(third.deviceId)) })).status).toBe(200);
		expect((await call(third, "POST", "/v3/logout", {})).status).toBe(200);
		const updates = (await outboundEdus("m.device_list_update")).filter((c) => c.device_id === "ALICEDEV3");
		expect(updates.map((c) => c.deleted)).toEqual([false, true]);
		expect(updates[1]).toMatchObject({ user_id: alice.userId, prev_id: [] });
		expect(updates[1]!.keys).toBeUndefined();
	});

	it("an inbound m.device_list_update about the remote member shows in the local user's /sync device_lists", async () => {
		const first = await call(alice, "GET", "/v3/sync?timeout=0");
		expect(first.status).toBe(200);
		const edu = { edu_type: "m.device_list_update", content: { user_id: carol, device_id: "CAROLDEV2", stream_id: 7, prev_id: [], deleted: false } };
		const res = await fed(remote, "PUT", "/_matrix/federation/v1/send/devlist-1", { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [edu] });
		expect(res.status).toBe(200);
		const next = await call(alice, "GET", `/v3/sync?timeout=0&since=${encodeURIComponent(first.body.next_batch as string)}`);
		expect(next.status).toBe(200);
		expect((next.body.device_lists as { changed?: string[] } | undefined)?.changed).toContain(carol);
	});
});
