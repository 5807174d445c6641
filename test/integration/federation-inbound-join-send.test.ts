// Inbound federation through the real routes: a remote user joins a local room (make_join / send_join),
// the remote server sends events with /send, local members see them; plus the spec's outcomes for bad input.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { syncUntil } from "./sync-helpers";
import { currentState, draftEvent, enc, fed, ME, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let stranger: RemoteServer;
/** Sends only transactions: its DestinationDO has not taken over its D1 rows before the test that checks that. */
let legacy: RemoteServer;
let alice: TestUser;
let roomId: string;
let version: string;
const bob = "@bob:remote.example";
let joinId: string;
let depth = 0;
let txn = 0;

async function state(key: string): Promise<string> {
	return (await currentState(roomId)).get(key)!;
}

/** A remote event by bob after the current extremities, citing the auth events current state names. */
async function bobEvent(type: string, content: Record<string, unknown>, opts: { stateKey?: string; prev?: string[] } = {}): Promise<{ pdu: Pdu; event_id: string }> {
	const auth = [await state("m.room.power_levels|"), await state(`m.room.member|${bob}`)];
	if (version !== "12") auth.push(await state("m.room.create|"));
	const prev = opts.prev ?? (await env.ROOM.getByName(roomId).getForwardExtremities());
	depth += 100;
	const draft: PduDraft = draftEvent(roomId, bob, type, content as never, prev, auth, depth, opts.stateKey);
	return signAs(remote, version, draft);
}

async function send(pdus: unknown[], id = `t${++txn}`) {
	return fed(remote, "PUT", `/_matrix/federation/v1/send/${id}`, { origin: remote.name, origin_server_ts: Date.now(), pdus, edus: [] });
}

beforeAll(async () => {
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("remote.example", 7);
	stranger = await remoteServer("stranger.example", 9);
	legacy = await remoteServer("legacy.example", 11);
	await seedKeys([remote, stranger, legacy]);
	alice = await makeUser("fedalice");
	roomId = await createRoom(alice, { preset: "public_chat" });
	version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("inbound join", () => {
	it("refuses make_join when the joining server does not support the room version", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=1`);
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ errcode: "M_INCOMPATIBLE_ROOM_VERSION", room_version: version });
	});

	it("refuses make_join for a user of another server", async () => {
		const res = await fed(stranger, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=${version}`);
		expect(res.status).toBe(403);
	});

	it("lets a remote user join through make_join and send_join", async () => {
		const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=${version}&ver=1`);
		expect(made.status).toBe(200);
		expect(made.body.room_version).toBe(version);
		const template = made.body.event as PduDraft;
		expect(template).toMatchObject({ type: "m.room.member", state_key: bob, sender: bob, content: { membership: "join" } });
		const signed = await signAs(remote, version, template);
		joinId = signed.event_id;
		depth = template.depth;
		const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(joinId)}`, signed.pdu);
		expect(res.status).toBe(200);
		expect(res.body.members_omitted).toBe(false);
		expect(res.body.origin).toBe(ME);
		const stateTypes = (res.body.state as Pdu[]).map((p) => p.type);
		expect(stateTypes).toEqual(expect.arrayContaining(["m.room.create", "m.room.power_levels", "m.room.join_rules", "m.room.member"]));
		expect((res.body.auth_chain as Pdu[]).length).toBeGreaterThan(0);
		expect(await state(`m.room.member|${bob}`)).toBe(joinId);
		expect(await env.ROOM.getByName(roomId).getMembership(bob)).toBe("join");
	});
});

describe("inbound /send", () => {
	it("accepts a message that local members then see in /sync and /messages", async () => {
		const msg = await bobEvent("m.room.message", { msgtype: "m.text", body: "hello from afar" });
		const res = await send([msg.pdu]);
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ pdus: { [msg.event_id]: {} } });
		const synced = await syncUntil(alice, (b) => (b.rooms.join[roomId]?.timeline?.events ?? []).some((e) => e.event_id === msg.event_id));
		expect(synced.status).toBe(200);
		const messages = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=5`);
		expect((messages.body.chunk as { event_id: string }[]).map((e) => e.event_id)).toContain(msg.event_id);
	});

	it("returns the stored response for a retried txnId and changes nothing", async () => {
		const msg = await bobEvent("m.room.message", { msgtype: "m.text", body: "once" });
		const first = await send([msg.pdu], "retry-1");
		const position = (await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position;
		const again = await send([msg.pdu], "retry-1");
		expect(again).toEqual(first);
		expect((await env.ROOM.getByName(roomId).getRoomInfo())!.stream_position).toBe(position);
	});

	it("does not process a retried txnId again, even when its body differs", async () => {
		const first = await bobEvent("m.room.message", { msgtype: "m.text", body: "first" });
		const answer = await send([first.pdu], "retry-2");
		expect(answer.body).toEqual({ pdus: { [first.event_id]: {} } });
		const other = await bobEvent("m.room.message", { msgtype: "m.text", body: "not this" });
		const again = await send([other.pdu], "retry-2");
		expect(again).toEqual(answer);
		expect(await env.ROOM.getByName(roomId).getPdu(other.event_id)).toBeNull();
		// The same txnId from another origin is another transaction.
		const fresh = await fed(stranger, "PUT", "/_matrix/federation/v1/send/retry-2", { origin: stranger.name, origin_server_ts: Date.now(), pdus: [], edus: [] });
		expect(fresh).toMatchObject({ status: 200, body: { pdus: {} } });
	});

	it("processes a duplicate that arrives while the first is still being processed only once: both get one answer", async () => {
		const prev = await env.ROOM.getByName(roomId).getForwardExtremities();
		const a = await bobEvent("m.room.message", { msgtype: "m.text", body: "a" }, { prev });
		const b = await bobEvent("m.room.message", { msgtype: "m.text", body: "b" }, { prev });
		// Sent at once: whichever claims the txnId first is processed, the other waits for its answer.
		const [one, two] = await Promise.all([send([a.pdu], "inflight-1"), send([b.pdu], "inflight-1")]);
		expect(one).toEqual(two);
		const stored = [await env.ROOM.getByName(roomId).getPdu(a.event_id), await env.ROOM.getByName(roomId).getPdu(b.event_id)];
		expect(stored.filter((p) => p !== null)).toHaveLength(1);
		expect(Object.keys(one.body.pdus as object)).toHaveLength(1);
	});

	it("lets a duplicate process the transaction when the first attempt was refused (nothing answered, nothing kept)", async () => {
		const bad = await fed(remote, "PUT", "/_matrix/federation/v1/send/inflight-2", { origin: remote.name, origin_server_ts: Date.now(), pdus: "not a list", edus: [] });
		expect(bad.status).toBe(400);
		const msg = await bobEvent("m.room.message", { msgtype: "m.text", body: "after a refusal" });
		const good = await send([msg.pdu], "inflight-2");
		expect(good.body).toEqual({ pdus: { [msg.event_id]: {} } });
	});

	it("answers a retry of a transaction answered while D1 kept the answers, and forgets expired ones", async () => {
		const kept = JSON.stringify({ pdus: { "$answered-then:legacy.example": {} } });
		const insert = env.DB.prepare("INSERT INTO inbound_federation_txns (origin, txn_id, received_ts, response) VALUES (?1, ?2, ?3, ?4)");
		await insert.bind(legacy.name, "old-1", Date.now() - 60_000, kept).run();
		await insert.bind(legacy.name, "old-2", Date.now() - 8 * 24 * 3600_000, kept).run();
		const body = { origin: legacy.name, origin_server_ts: Date.now(), pdus: [], edus: [] };
		expect(await fed(legacy, "PUT", "/_matrix/federation/v1/send/old-1", body)).toMatchObject({ status: 200, body: JSON.parse(kept) });
		expect(await fed(legacy, "PUT", "/_matrix/federation/v1/send/old-2", body)).toMatchObject({ status: 200, body: { pdus: {} } });
	});

	it("drops a PDU with a bad signature and says so", async () => {
		const msg = await bobEvent("m.room.message", { msgtype: "m.text", body: "forged" });
		const forged = await signAs(stranger, version, { ...msg.pdu, signatures: {} } as PduDraft);
		const pdu = { ...msg.pdu, signatures: { [remote.name]: forged.pdu.signatures[stranger.name]! } };
		const res = await send([pdu]);
		const result = (res.body.pdus as Record<string, { error?: string }>)[msg.event_id];
		expect(result?.error).toMatch(/Signature/);
		expect(await env.ROOM.getByName(roomId).getPdu(msg.event_id)).toBeNull();
	});

	it("redacts and keeps a PDU whose content hash does not match", async () => {
		const msg = await bobEvent("m.room.message", { msgtype: "m.text", body: "original" });
		const tampered = { ...msg.pdu, content: { msgtype: "m.text", body: "tampered" } };
		const res = await send([tampered]);
		expect(res.body).toEqual({ pdus: { [msg.event_id]: {} } });
		const stored = JSON.parse((await env.ROOM.getByName(roomId).getPdu(msg.event_id))!) as Pdu;
		expect(stored.content).toEqual({});
	});

	it("rejects an event that fails auth and leaves current state alone", async () => {
		const before = await currentState(roomId);
		const grab = await bobEvent("m.room.power_levels", { users: { [bob]: 100 } }, { stateKey: "" });
		const res = await send([grab.pdu]);
		expect((res.body.pdus as Record<string, { error?: string }>)[grab.event_id]?.error).toMatch(/rejected/);
		expect(await currentState(roomId)).toEqual(before);
	});

	it("drops an oversized PDU", async () => {
		const big = await bobEvent("m.room.message", { msgtype: "m.text", body: "x".repeat(70_000) });
		const res = await send([big.pdu]);
		expect(res.status).toBe(200);
		expect((res.body.pdus as Record<string, unknown>)[big.event_id]).toBeUndefined();
		expect(await env.ROOM.getByName(roomId).getPdu(big.event_id)).toBeNull();
	});

	it("refuses a transaction of more than 50 PDUs", async () => {
		const msg = await bobEvent("m.room.message", { msgtype: "m.text", body: "many" });
		const res = await send(Array.from({ length: 51 }, () => msg.pdu));
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_TOO_LARGE");
	});

	it("refuses a bad X-Matrix signature and a wrong destination with 401", async () => {
		const body = { origin: remote.name, origin_server_ts: 1, pdus: [], edus: [] };
		const tampered = await fed(remote, "PUT", "/_matrix/federation/v1/send/sig-1", body, { sendBody: { ...body, origin_server_ts: 2 } });
		expect(tampered.status).toBe(401);
		const elsewhere = await fed(remote, "PUT", "/_matrix/federation/v1/send/dest-1", body, { destination: "other.example" });
		expect(elsewhere.status).toBe(401);
	});

	it("processes a chain of PDUs in one transaction in order, each extending the one before", async () => {
		const m1 = await bobEvent("m.room.message", { msgtype: "m.text", body: "chain 1" });
		const m2 = await bobEvent("m.room.message", { msgtype: "m.text", body: "chain 2" }, { prev: [m1.event_id] });
		const unsigned = await bobEvent("m.room.message", { msgtype: "m.text", body: "chain forged" }, { prev: [m2.event_id] });
		const forged = { ...unsigned.pdu, signatures: {} };
		const m3 = await bobEvent("m.room.message", { msgtype: "m.text", body: "chain 3" }, { prev: [m2.event_id] });
		const res = await send([m1.pdu, m2.pdu, forged, m3.pdu]);
		expect(res.status).toBe(200);
		expect(Object.keys(res.body.pdus as object).sort()).toEqual([m1.event_id, m2.event_id, unsigned.event_id, m3.event_id].sort());
		expect(res.body.pdus).toMatchObject({ [m1.event_id]: {}, [m2.event_id]: {}, [m3.event_id]: {} });
		expect((res.body.pdus as Record<string, { error?: string }>)[unsigned.event_id]?.error).toMatch(/Signature/);
		expect(await env.ROOM.getByName(roomId).getForwardExtremities()).toEqual([m3.event_id]);
		const messages = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=3`);
		expect((messages.body.chunk as { event_id: string }[]).map((e) => e.event_id)).toEqual([m3.event_id, m2.event_id, m1.event_id]);
	});

	it("still accepts the other PDUs of a transaction when one names a prev event that cannot be fetched", async () => {
		const ok = await bobEvent("m.room.message", { msgtype: "m.text", body: "fine" });
		const orphan = await bobEvent("m.room.message", { msgtype: "m.text", body: "orphan" }, { prev: [`$${"A".repeat(43)}`] });
		const res = await send([ok.pdu, orphan.pdu]);
		expect(res.status).toBe(200);
		expect((res.body.pdus as Record<string, unknown>)[ok.event_id]).toEqual({});
		expect((res.body.pdus as Record<string, { error?: string }>)[orphan.event_id]?.error).toBeTruthy();
		expect(await env.ROOM.getByName(roomId).getPdu(orphan.event_id)).toBeNull();
		expect(await env.ROOM.getByName(roomId).getForwardExtremities()).toEqual([ok.event_id]);
	});

	it("soft-fails an event that current state no longer allows", async () => {
		const prev = await env.ROOM.getByName(roomId).getForwardExtremities();
		const auth = [await state("m.room.power_levels|"), await state(`m.room.member|${bob}`), ...(version !== "12" ? [await state("m.room.create|")] : [])];
		const ban = await api(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/ban`, { user_id: bob });
		expect(ban.status).toBe(200);
		const before = await currentState(roomId);
		depth += 100;
		const late = await signAs(remote, version, draftEvent(roomId, bob, "m.room.message", { msgtype: "m.text", body: "after ban" }, prev, auth, depth));
		const res = await send([late.pdu]);
		expect(res.body).toEqual({ pdus: { [late.event_id]: {} } });
		expect(await env.ROOM.getByName(roomId).getPdu(late.event_id)).not.toBeNull();
		expect(await currentState(roomId)).toEqual(before);
		expect(await env.ROOM.getByName(roomId).getForwardExtremities()).not.toContain(late.event_id);
		const messages = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=20`);
		expect((messages.body.chunk as { event_id: string }[]).map((e) => e.event_id)).not.toContain(late.event_id);
	});

	// Last: it closes the room to remote.example, which sent here before (the bridge knows the room's version).
	it("stores nothing from a server the room's ACL denies", async () => {
		const acl = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.server_acl/`, { allow: ["*"], deny: [remote.name] });
		expect(acl.status).toBe(200);
		const denied = await bobEvent("m.room.message", { msgtype: "m.text", body: "denied" });
		const res = await send([denied.pdu]);
		expect(res.status).toBe(200);
		expect((res.body.pdus as Record<string, unknown>)[denied.event_id]).not.toEqual({});
		expect(await env.ROOM.getByName(roomId).getPdu(denied.event_id)).toBeNull();
	});
});
