// Outbound m.typing and m.receipt, with a remote member joined to a local room through the real make_join
// and send_join routes: a local member's typing start/stop and public read receipt each queue one EDU, in
// the spec's shape, on the remote member's DestinationDO; private receipts and a remote user's own typing
// and receipts (which arrive from their server) are never sent on.
// Spec: https://spec.matrix.org/latest/server-server-api/#typing-notifications,
// https://spec.matrix.org/latest/server-server-api/#receipts
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import { enc, fed, type RemoteServer, remoteServer, seedKeys, signAs } from "./federation-inbound-helpers";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { sleep } from "./sync-helpers";

const REMOTE = "ephemeral-remote.example";
let remote: RemoteServer;
let alice: TestUser;
let roomId: string;
let eventId: string;
const carol = `@carol:${REMOTE}`;

type Edu = { edu_type: string; content: Record<string, unknown> };

/** In-flight plus queued EDUs of `eduType` on the DestinationDO for REMOTE, in send order. */
async function outbound(eduType: string): Promise<Record<string, unknown>[]> {
	return runInDurableObject(env.DESTINATION.getByName(REMOTE), (_i, state) => {
		const queued = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM queue WHERE kind = 'edu'").toArray().map((r) => JSON.parse(r.payload) as Edu);
		const inFlight = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM in_flight_txn").toArray().flatMap((r) => (JSON.parse(r.payload) as { edus: Edu[] }).edus);
		// The in-flight transaction was claimed before anything still queued: send order.
		return [...inFlight, ...queued].filter((e) => e.edu_type === eduType).map((e) => e.content);
	});
}

async function waitFor(eduType: string, count: number): Promise<Record<string, unknown>[]> {
	let found: Record<string, unknown>[] = [];
	for (let i = 0; i < 100 && found.length < count; i++) {
		found = await outbound(eduType);
		if (found.length < count) await sleep(20);
	}
	return found;
}

beforeAll(async () => {
	// The DestinationDO's sends fail fast; what it queued is what this test reads.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer(REMOTE, 63);
	await seedKeys([remote]);
	alice = await makeUser("fedephalice");
	roomId = await createRoom(alice, { preset: "public_chat" });
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(carol)}?ver=${version}`);
	expect(made.status).toBe(200);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	expect((await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu)).status).toBe(200);
	const sent = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/eph-1`, { msgtype: "m.text", body: "hi" });
	expect(sent.status).toBe(200);
	eventId = sent.body.event_id as string;
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("outbound m.typing", () => {
	it("a local member's start and stop each queue an m.typing EDU for the remote member's server", async () => {
		const typing = `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(alice.user_id)}`;
		expect((await api(alice, "PUT", typing, { typing: true, timeout: 30_000 })).status).toBe(200);
		// A renewal changes nothing the others see: no second EDU.
		expect((await api(alice, "PUT", typing, { typing: true, timeout: 30_000 })).status).toBe(200);
		expect((await api(alice, "PUT", typing, { typing: false })).status).toBe(200);
		const edus = await waitFor("m.typing", 2);
		expect(edus).toEqual([
			{ room_id: roomId, user_id: alice.user_id, typing: true },
			{ room_id: roomId, user_id: alice.user_id, typing: false },
		]);
	});

	it("a remote member's typing (from its own server) is not sent back", async () => {
		const before = (await outbound("m.typing")).length;
		const edu = { edu_type: "m.typing", content: { room_id: roomId, user_id: carol, typing: true } };
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/eph-typing-1", { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [edu] })).status).toBe(200);
		await sleep(200);
		expect(await outbound("m.typing")).toHaveLength(before);
	});
});

describe("outbound m.receipt", () => {
	it("a local m.read receipt queues an m.receipt EDU; a private one does not", async () => {
		expect((await api(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read.private/${enc(eventId)}`, {})).status).toBe(200);
		expect((await api(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {})).status).toBe(200);
		const edus = await waitFor("m.receipt", 1);
		await sleep(100);
		expect(await outbound("m.receipt")).toHaveLength(1);
		const receipt = ((edus[0]![roomId] as Record<string, unknown>)["m.read"] as Record<string, { event_ids: string[]; data: { ts: number } }>)[alice.user_id]!;
		expect(Object.keys(edus[0]!)).toEqual([roomId]);
		expect(receipt.event_ids).toEqual([eventId]);
		expect(Object.keys(receipt.data)).toEqual(["ts"]);
		expect(receipt.data.ts).toBeGreaterThan(Date.now() - 60_000);
	});

	it("a remote member's receipt (from its own server) is not sent back", async () => {
		const edu = { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [carol]: { event_ids: [eventId], data: { ts: Date.now() } } } } } };
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/eph-receipt-1", { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [edu] })).status).toBe(200);
		await sleep(200);
		expect(await outbound("m.receipt")).toHaveLength(1);
	});
});
