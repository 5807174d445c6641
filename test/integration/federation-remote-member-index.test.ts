// The D1 remote-member index (migrations/0018, room/remote-member-index.ts): each RoomDO copies which remote
// users are joined to it, and "who shares a room with X" across servers reads it in one query. A remote user
// joined to room A but not B: an inbound device-list update reaches A's local members only (sync and
// /keys/changes), as does a signing-key update; a local member's device change goes to the remote server
// only from A's members; a leave removes the row; the answer does not depend on how many rooms the local
// user is in; a failed D1 copy stays logged until it succeeds; a room that predates the index fills it on
// waking, from the members its migration step logs; device_lists.left counts rooms shared with a remote user.
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PduDraft } from "../../src/protocol/events/pdu";
import { RemoteMemberIndex } from "../../src/worker/room/remote-member-index";
import { RoomDO } from "../../src/worker/room/room-do";
import { ROOM_MIGRATIONS } from "../../src/worker/room/schema";
import { deviceListPosition } from "../../src/worker/user/e2ee/sync-sections";
import type { UserDO } from "../../src/worker/user/user-do";
import { call, device, deviceKeys, ed25519Key, type TestDevice } from "./e2ee-helpers";
import { enc, fed, ME, type RemoteServer, remoteServer, seedKeys, signAs } from "./federation-inbound-helpers";

const REMOTE = "rmi-remote.example";
const carol = `@carol:${REMOTE}`;
let remote: RemoteServer;
let alice: TestDevice;
let bob: TestDevice;
let roomA: string;
let roomB: string;
let txn = 0;

async function indexed(roomId: string): Promise<string[]> {
	const { results } = await env.DB.prepare("SELECT user_id FROM remote_room_members WHERE room_id = ?1 ORDER BY user_id").bind(roomId).all<{ user_id: string }>();
	return results.map((r) => r.user_id);
}

/** The room's drain writes the index after its reply; wait (bounded) for it to say `expected`. */
async function indexSays(roomId: string, expected: string[]): Promise<void> {
	await vi.waitFor(async () => expect(await indexed(roomId)).toEqual(expected), { timeout: 5_000, interval: 20 });
}

function logCount(state: DurableObjectState): number {
	return state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM remote_member_changes").one().n;
}

async function position(d: TestDevice): Promise<number> {
	return runInDurableObject(env.USER.getByName(d.userId), (_i: UserDO, state) => deviceListPosition(state.storage.sql));
}

async function deviceListUpdate(deviceId: string): Promise<void> {
	await sendEdu({ edu_type: "m.device_list_update", content: { user_id: carol, device_id: deviceId, stream_id: ++txn, prev_id: [], deleted: false } });
}

async function sendEdu(edu: { edu_type: string; content: Record<string, unknown> }): Promise<void> {
	txn++;
	const res = await fed(remote, "PUT", `/_matrix/federation/v1/send/rmi-${txn}`, { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [edu] });
	expect(res.status).toBe(200);
}

/** m.device_list_update EDUs queued (or in flight) for REMOTE about `userId`. */
async function queuedUpdatesAbout(userId: string): Promise<number> {
	return runInDurableObject(env.DESTINATION.getByName(REMOTE), (_i, state) => {
		const queued = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM queue WHERE kind = 'edu'").toArray().map((r) => JSON.parse(r.payload));
		const inFlight = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM in_flight_txn").toArray().flatMap((r) => JSON.parse(r.payload).edus);
		return [...inFlight, ...queued].filter((e: { edu_type: string; content: { user_id: string } }) => e.edu_type === "m.device_list_update" && e.content.user_id === userId).length;
	});
}

async function membership(roomId: string, kind: "join" | "leave"): Promise<void> {
	const version = (await env.ROOM.getByName(roomId).getRoomInfo())!.room_version;
	const made = await fed(remote, "GET", `/_matrix/federation/v1/make_${kind}/${enc(roomId)}/${enc(carol)}${kind === "join" ? `?ver=${version}` : ""}`);
	expect(made.status, JSON.stringify(made.body)).toBe(200);
	const signed = await signAs(remote, version, made.body.event as PduDraft);
	const sent = await fed(remote, "PUT", `/_matrix/federation/v2/send_${kind}/${enc(roomId)}/${enc(signed.event_id)}`, signed.pdu);
	expect(sent.status, JSON.stringify(sent.body)).toBe(200);
}

async function createdBy(d: TestDevice): Promise<string> {
	return (await call(d, "POST", "/v3/createRoom", { preset: "public_chat" })).body.room_id as string;
}

beforeAll(async () => {
	// The DestinationDO's sends fail fast; what it queued is what this test reads.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
	remote = await remoteServer(REMOTE, 61);
	await seedKeys([remote]);
	alice = await device("rmialice", "ALICEDEV");
	bob = await device("rmibob", "BOBDEV");
	roomA = await createdBy(alice);
	roomB = await createdBy(bob);
	await membership(roomA, "join");
	await indexSays(roomA, [carol]);
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("remote-member index", () => {
	it("holds the remote user in the room it joined only, never a local user", async () => {
		expect(await indexed(roomB)).toEqual([]);
		const { results } = await env.DB.prepare("SELECT user_id, server_name FROM remote_room_members WHERE user_id = ?1").bind(carol).all();
		expect(results).toEqual([{ user_id: carol, server_name: REMOTE }]);
		const { results: ours } = await env.DB.prepare("SELECT user_id FROM remote_room_members WHERE user_id LIKE ?1").bind(`%:${ME}`).all();
		expect(ours).toEqual([]);
	});

	it("an inbound device-list update reaches room A's local member only: sync and /keys/changes", async () => {
		const aliceSync = await call(alice, "GET", "/v3/sync?timeout=0");
		const bobBefore = await position(bob);
		await deviceListUpdate("CAROLDEV1");
		const next = await call(alice, "GET", `/v3/sync?timeout=0&since=${enc(aliceSync.body.next_batch as string)}`);
		expect((next.body.device_lists as { changed?: string[] } | undefined)?.changed).toContain(carol);
		const changes = await call(alice, "GET", `/v3/keys/changes?from=${enc(aliceSync.body.next_batch as string)}&to=${enc(next.body.next_batch as string)}`);
		expect(changes.status).toBe(200);
		expect(changes.body.changed).toContain(carol);
		expect(await position(bob)).toBe(bobBefore);
	});

	it("an inbound signing-key update reaches room A's local member only", async () => {
		const [aliceBefore, bobBefore] = [await position(alice), await position(bob)];
		await sendEdu({ edu_type: "m.signing_key_update", content: { user_id: carol, master_key: { user_id: carol, usage: ["master"], keys: { "ed25519:carolmaster": "carolmaster" } } } });
		expect(await position(alice)).toBeGreaterThan(aliceBefore);
		expect(await position(bob)).toBe(bobBefore);
	});

	it("a local member's device change goes to the remote server from room A's member only", async () => {
		for (const d of [alice, bob]) {
			expect((await call(d, "POST", "/v3/keys/upload", { device_keys: await deviceKeys(d, await ed25519Key(d.deviceId)) })).status).toBe(200);
		}
		expect(await queuedUpdatesAbout(alice.userId)).toBe(1);
		expect(await queuedUpdatesAbout(bob.userId)).toBe(0);
	});

	it("does not depend on how many rooms the local user is in", async () => {
		// 600 more memberships for bob, all sorting before room A by ID (the old scan stopped at 500 rooms).
		// Index rows only: these rooms have no remote members, so they must not change either answer.
		const stmt = env.DB.prepare("INSERT INTO room_memberships (user_id, room_id, membership, event_id, updated_ts) VALUES (?1, ?2, 'join', '$x', 0)");
		await env.DB.batch(Array.from({ length: 600 }, (_, i) => stmt.bind(bob.userId, `!!${String(i).padStart(4, "0")}:${ME}`)));
		// Bob now joins room A too, last among his rooms.
		expect((await call(bob, "POST", `/v3/join/${enc(roomA)}`, {})).status).toBe(200);
		// room_memberships too is written by the room's drain.
		await vi.waitFor(async () => expect(await env.DB.prepare("SELECT membership FROM room_memberships WHERE user_id = ?1 AND room_id = ?2").bind(bob.userId, roomA).first("membership")).toBe("join"), { timeout: 5_000, interval: 20 });
		const bobBefore = await position(bob);
		await deviceListUpdate("CAROLDEV2");
		expect(await position(bob)).toBeGreaterThan(bobBefore);
		const before = await queuedUpdatesAbout(bob.userId);
		expect((await call(bob, "POST", "/v3/keys/upload", { device_keys: await deviceKeys(bob, await ed25519Key("BOBDEV")) })).status).toBe(200);
		expect(await queuedUpdatesAbout(bob.userId)).toBe(before + 1);
		expect((await call(bob, "POST", `/v3/rooms/${enc(roomA)}/leave`, {})).status).toBe(200);
	});

	it("a leave removes the row, and the next device-list update reaches no one", async () => {
		await membership(roomA, "leave");
		await indexSays(roomA, []);
		const aliceBefore = await position(alice);
		await deviceListUpdate("CAROLDEV3");
		expect(await position(alice)).toBe(aliceBefore);
	});

	it("a failed D1 copy stays logged and is copied by the next drain", async () => {
		await membership(roomA, "join");
		await indexSays(roomA, [carol]);
		const room = env.ROOM.getByName(roomA);
		// The alarm settles the drain's bookkeeping (the copied log rows go): the log starts empty here.
		await runDurableObjectAlarm(room);
		await env.DB.prepare("DELETE FROM remote_room_members WHERE room_id = ?1").bind(roomA).run();
		const failingDb = { prepare: (q: string) => env.DB.prepare(q), batch: () => Promise.reject(new Error("D1 unavailable")) } as unknown as D1Database;
		const failed = await runInDurableObject(room, async (_i, state) => {
			// No safety-net alarm may drain the log behind this test's back.
			await state.storage.deleteAlarm();
			state.storage.sql.exec("INSERT INTO remote_member_changes (user_id) VALUES (?)", carol);
			const index = new RemoteMemberIndex(state.storage.sql);
			const retryAt = await index.copyNew(failingDb, roomA, ME, () => 1_000);
			index.settle();
			return { retryAt, logged: logCount(state) };
		});
		expect(failed).toEqual({ retryAt: 6_000, logged: 1 });
		expect(await indexed(roomA)).toEqual([]);
		const done = await runInDurableObject(room, async (_i, state) => {
			const index = new RemoteMemberIndex(state.storage.sql);
			const next = await index.copyNew(env.DB, roomA, ME, Date.now);
			// Copied, but the log rows go only with the room's next commit (settle).
			const beforeSettle = logCount(state);
			index.settle();
			return { next, beforeSettle, logged: logCount(state) };
		});
		expect(done).toEqual({ next: null, beforeSettle: 1, logged: 0 });
		expect(await indexed(roomA)).toEqual([carol]);
	});

	it("a room that predates the index fills it on waking, from the members its migration step logs", async () => {
		const room = env.ROOM.getByName(roomA);
		// Whatever the drain still holds in memory is settled before the table is rebuilt behind its back.
		await runDurableObjectAlarm(room);
		await env.DB.prepare("DELETE FROM remote_room_members WHERE room_id = ?1").bind(roomA).run();
		const step = ROOM_MIGRATIONS.find((s) => s.name === "remote member index log")!;
		const woken = await runInDurableObject(room, async (_i, state) => {
			// The room as it was before the step, then the step as an upgraded room runs it.
			state.storage.sql.exec("DROP TABLE remote_member_changes");
			state.storage.sql.exec(step.sql);
			const users = state.storage.sql.exec<{ user_id: string }>("SELECT user_id FROM remote_member_changes ORDER BY seq").toArray().map((r) => r.user_id);
			await state.storage.deleteAlarm();
			// A wake: the object's constructor runs on this storage (its migrations are current).
			new RoomDO(state, env);
			await state.blockConcurrencyWhile(async () => {});
			return { users, alarm: await state.storage.getAlarm() };
		});
		expect(woken.users).toEqual(expect.arrayContaining([alice.userId, carol]));
		expect(woken.alarm).not.toBeNull();
		expect(await runDurableObjectAlarm(room)).toBe(true);
		expect(await indexed(roomA)).toEqual([carol]);
	});
});

describe("device_lists.left for a remote user, by the index", () => {
	it("is not `left` after leaving one of two shared rooms; is after leaving the last", async () => {
		const dave = await device("rmidave", "DAVEDEV");
		const [roomC, roomD] = [await createdBy(dave), await createdBy(dave)];
		for (const room of [roomC, roomD]) {
			await membership(room, "join");
			await indexSays(room, [carol]);
		}
		let since = (await call(dave, "GET", "/v3/sync?timeout=0")).body.next_batch as string;
		const left = async () => {
			const next = await call(dave, "GET", `/v3/sync?timeout=0&since=${enc(since)}`);
			since = next.body.next_batch as string;
			return (next.body.device_lists as { left?: string[] } | undefined)?.left ?? [];
		};
		await membership(roomC, "leave");
		expect(await left()).not.toContain(carol);
		await membership(roomD, "leave");
		expect(await left()).toContain(carol);
	});
});
