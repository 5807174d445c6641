// The tip shortcut of inbound PDUs (room/federation-step-6-soft-fail.ts, stateAtTip): a PDU whose prev_events
// are exactly the room's forward extremities takes the room's current state as its state before, instead of
// resolving the states after its prev events, and skips check 6 (it would repeat check 5). Here a fork (bob's
// message beside bob's ban of dave) gives the room two extremities whose states conflict, and the outcomes and
// stored states are compared with full state resolution; and a PDU citing only one of them must not take it.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu,
// https://spec.matrix.org/latest/server-server-api/#room-state-resolution
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { roomVersionRules } from "../../src/protocol/room-versions/rules";
import { resolveState } from "../../src/protocol/state-res";
import { fromResMap, StoredEvents, toResMap } from "../../src/worker/room/federation-events";
import { FederationStore } from "../../src/worker/room/federation-store";
import { RoomStore, type StateMap, stateKeyOf } from "../../src/worker/room/store";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { currentState, draftEvent, enc, fed, remoteServer, type RemoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

let remote: RemoteServer;
let alice: TestUser;
let roomId: string;
let version: string;
const bob = "@bob:tip.example";
const dave = "@dave:tip.example";
let depth = 0;
let txn = 0;

async function state(key: string): Promise<string> {
	return (await currentState(roomId)).get(key)!;
}

function extremities(): Promise<string[]> {
	return env.ROOM.getByName(roomId).getForwardExtremities();
}

async function joinRemote(user: string): Promise<void> {
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(user)}?ver=${version}`);
	const template = made.body.event as PduDraft;
	const signed = await signAs(remote, version, template);
	depth = Math.max(depth, template.depth);
	const res = await fed(remote, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
	expect(res.status).toBe(200);
}

/** A remote user's event after `prev`, citing the given member events besides power levels (and create). */
async function remoteEvent(sender: string, type: string, content: Record<string, unknown>, prev: string[], members: string[], stateKey?: string): Promise<{ pdu: Pdu; event_id: string }> {
	const auth = [await state("m.room.power_levels|"), ...members];
	if (version !== "12") auth.push(await state("m.room.create|"));
	depth += 1;
	return signAs(remote, version, draftEvent(roomId, sender, type, content as never, prev, auth, depth, stateKey));
}

async function send(pdus: unknown[]) {
	const res = await fed(remote, "PUT", `/_matrix/federation/v1/send/tip-${++txn}`, { origin: remote.name, origin_server_ts: Date.now(), pdus, edus: [] });
	expect(res.status).toBe(200);
	return res.body.pdus as Record<string, { error?: string }>;
}

/** The stored state before and after `eventId`, read from the room's own state groups. */
function storedStates(eventId: string): Promise<{ before: StateMap; after: StateMap }> {
	return runInDurableObject(env.ROOM.getByName(roomId), (_i, s) => {
		const store = new RoomStore(s.storage);
		const at = store.getEventState(eventId);
		if (at === null) throw new Error(`no state stored at ${eventId}`);
		return { before: store.getStateGroup(at.state_before), after: store.getStateGroup(at.state_after) };
	});
}

/** Full state resolution of the states after `prevs`, over the room's stored events: what the shortcut must equal. */
async function resolvedAfter(prevs: string[]): Promise<StateMap> {
	const states = await Promise.all(prevs.map(async (id) => (await storedStates(id)).after));
	return runInDurableObject(env.ROOM.getByName(roomId), async (_i, s) => {
		const events = new StoredEvents(roomVersionRules(version)!, new FederationStore(s.storage.sql));
		const resolved = await resolveState(events.rules, states.map(toResMap), (id) => events.get(id), { isRejected: (id) => events.isRejected(id) });
		return fromResMap(resolved);
	});
}

function daveKey(): string {
	return stateKeyOf("m.room.member", dave);
}

beforeAll(async () => {
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer("tip.example", 23);
	await seedKeys([remote]);
	alice = await makeUser("tipalice");
	roomId = await createRoom(alice, { preset: "public_chat" });
	version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	await joinRemote(bob);
	await joinRemote(dave);
	const power = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.power_levels/`);
	const users = { ...(power.body.users as Record<string, number>), [bob]: 100 };
	expect((await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.power_levels/`, { ...power.body, users })).status).toBe(200);
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("inbound PDUs at the room's tip", () => {
	let a: string;
	let ban: string;
	let daveJoin: string;

	it("a fork leaves two extremities, and current state is their full resolution", async () => {
		const [x] = await extremities();
		daveJoin = await state(`m.room.member|${dave}`);
		const bobJoin = await state(`m.room.member|${bob}`);
		const message = await remoteEvent(bob, "m.room.message", { msgtype: "m.text", body: "branch a" }, [x!], [bobJoin]);
		const banned = await remoteEvent(bob, "m.room.member", { membership: "ban" }, [x!], [bobJoin, daveJoin], dave);
		expect(await send([message.pdu, banned.pdu])).toEqual({ [message.event_id]: {}, [banned.event_id]: {} });
		a = message.event_id;
		ban = banned.event_id;
		expect((await extremities()).sort()).toEqual([a, ban].sort());
		const resolved = await resolvedAfter([a, ban]);
		expect(resolved.get(daveKey())).toBe(ban);
		expect(new Map([...(await currentState(roomId))].map(([k, id]) => [k.replace("|", "\u0000"), id]))).toEqual(resolved);
	});

	it("a PDU citing only one extremity is checked against that branch's state, not current state: soft-failed, not rejected", async () => {
		const late = await remoteEvent(dave, "m.room.message", { msgtype: "m.text", body: "on branch a" }, [a], [daveJoin]);
		expect(await send([late.pdu])).toEqual({ [late.event_id]: {} });
		expect(await env.ROOM.getByName(roomId).getPdu(late.event_id)).not.toBeNull();
		expect((await storedStates(late.event_id)).before.get(daveKey())).toBe(daveJoin);
		expect((await extremities()).sort()).toEqual([a, ban].sort());
		const messages = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=20`);
		expect((messages.body.chunk as { event_id: string }[]).map((e) => e.event_id)).not.toContain(late.event_id);
	});

	it("a PDU citing both extremities gets the resolved state: dave's message is rejected, as full resolution says", async () => {
		const resolved = await resolvedAfter([a, ban]);
		const rejected = await remoteEvent(dave, "m.room.message", { msgtype: "m.text", body: "after the merge" }, [a, ban], [daveJoin]);
		const result = await send([rejected.pdu]);
		expect(result[rejected.event_id]?.error).toMatch(/rejected/i);
		expect((await storedStates(rejected.event_id)).before).toEqual(resolved);
		expect((await extremities()).sort()).toEqual([a, ban].sort());
	});

	it("and bob's message citing both is accepted with the resolved state before it, ending the fork", async () => {
		const resolved = await resolvedAfter([a, ban]);
		const merge = await remoteEvent(bob, "m.room.message", { msgtype: "m.text", body: "merge" }, [ban, a], [await state(`m.room.member|${bob}`)]);
		expect(await send([merge.pdu])).toEqual({ [merge.event_id]: {} });
		const stored = await storedStates(merge.event_id);
		expect(stored.before).toEqual(resolved);
		expect(stored.after).toEqual(resolved);
		expect(await extremities()).toEqual([merge.event_id]);
		const messages = await api(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=5`);
		expect((messages.body.chunk as { event_id: string }[]).map((e) => e.event_id)).toContain(merge.event_id);
	});

	it("a PDU at a single-event tip keeps that event's stored state group as its state before", async () => {
		const [tip] = await extremities();
		const next = await remoteEvent(bob, "m.room.message", { msgtype: "m.text", body: "on the tip" }, [tip!], [await state(`m.room.member|${bob}`)]);
		expect(await send([next.pdu])).toEqual({ [next.event_id]: {} });
		const groups = await runInDurableObject(env.ROOM.getByName(roomId), (_i, s) => {
			const store = new RoomStore(s.storage);
			return { next: store.getEventState(next.event_id)!.state_before, tip: store.getEventState(tip!)!.state_after };
		});
		expect(groups.next).toBe(groups.tip);
		expect(await extremities()).toEqual([next.event_id]);
	});
});
