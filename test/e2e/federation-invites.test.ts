// Two real servers by the run contract, over loopback HTTP: invites, rejections and knocks across them.
// alice@hs1 invites bob@hs2 (invite v2), bob sees it in /sync and joins with no `via` (through the
// invite's origin), messages go both ways; dave@hs2 is invited to the room hs2 then holds; carol@hs2 rejects an invite to a room hs2 does not hold
// (make_leave/send_leave through hs1); bob knocks on a knock room of hs1 and alice lets him in by invite.
// Spec: https://spec.matrix.org/latest/server-server-api/#inviting-to-a-room, #leaving-rooms-rejecting-invites,
// #knocking-upon-a-room, #joining-rooms
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
let hs1: RunningServer;
let hs2: RunningServer;
let alice: Account;
let bob: Account;
let carol: Account;
let dave: Account;

interface Res {
	status: number;
	body: Record<string, unknown>;
}

async function call(server: RunningServer, who: Account, method: string, path: string, body?: unknown): Promise<Res> {
	const res = await fetch(`${server.baseUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${who.accessToken}`, "content-type": "application/json" },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const enc = encodeURIComponent;
type Rooms = Record<"join" | "invite" | "leave" | "knock", Record<string, Record<string, unknown>>>;

async function sync(server: RunningServer, who: Account, since?: string): Promise<{ rooms: Rooms; next_batch: string }> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/sync?timeout=0${since === undefined ? "" : `&since=${enc(since)}`}`);
	expect(res.status).toBe(200);
	const rooms = (res.body.rooms ?? {}) as Partial<Rooms>;
	return { rooms: { join: rooms.join ?? {}, invite: rooms.invite ?? {}, leave: rooms.leave ?? {}, knock: rooms.knock ?? {} }, next_batch: res.body.next_batch as string };
}

async function messages(server: RunningServer, who: Account, roomId: string): Promise<string[]> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=100`);
	if (res.status !== 200) return [];
	const chunk = res.body.chunk as { type: string; content: { body?: string } }[];
	return chunk.filter((e) => e.type === "m.room.message").map((e) => e.content.body ?? "").reverse();
}

async function membershipOf(server: RunningServer, who: Account, roomId: string, userId: string): Promise<string | null> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`);
	return res.status === 200 ? (res.body.membership as string) : null;
}

async function createRoom(body: Record<string, unknown>): Promise<string> {
	const created = await call(hs1, alice, "POST", "/_matrix/client/v3/createRoom", body);
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	return created.body.room_id as string;
}

beforeAll(async () => {
	// One after the other: each start gets its own 60 s on a busy machine.
	hs1 = await startServer({ stateDir: newStateDir("inv-hs1"), env: ENV });
	hs2 = await startServer({ stateDir: newStateDir("inv-hs2"), env: ENV });
	[alice, bob, carol, dave] = await Promise.all([
		register(hs1.baseUrl, "alice", "alice-password-1"),
		register(hs2.baseUrl, "bob", "bob-password-1"),
		register(hs2.baseUrl, "carol", "carol-password-1"),
		register(hs2.baseUrl, "dave", "dave-password-1"),
	]);
}, 180_000);

afterAll(async () => {
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("invites across servers", () => {
	let roomId: string;

	it("alice@hs1 invites bob@hs2: the invite is countersigned by hs2 and shows in bob's /sync", async () => {
		roomId = await createRoom({ preset: "private_chat", name: "invited" });
		const invited = await call(hs1, alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: bob.userId });
		expect(invited.status, JSON.stringify(invited.body)).toBe(200);
		expect(await membershipOf(hs1, alice, roomId, bob.userId)).toBe("invite");
		const { rooms } = await sync(hs2, bob);
		const invite = rooms.invite[roomId] as { invite_state: { events: { type: string; content: Record<string, unknown> }[] } } | undefined;
		expect(invite).toBeDefined();
		expect(invite!.invite_state.events.find((e) => e.type === "m.room.name")?.content.name).toBe("invited");
	});

	it("bob joins with no via (through the invite's origin); the room moves from invite to join", async () => {
		const before = await sync(hs2, bob);
		const joined = await call(hs2, bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		expect(joined.status, JSON.stringify(joined.body)).toBe(200);
		let after = await sync(hs2, bob, before.next_batch);
		await eventually(async () => {
			after = await sync(hs2, bob, before.next_batch);
			return after.rooms.join[roomId] !== undefined;
		}, "the room in bob's join section", 10_000);
		expect(after.rooms.invite[roomId]).toBeUndefined();
		const full = await sync(hs2, bob);
		expect(full.rooms.invite[roomId]).toBeUndefined();
		expect(full.rooms.join[roomId]).toBeDefined();
		for (const [server, who] of [[hs1, alice], [hs2, bob]] as const) {
			await eventually(async () => (await membershipOf(server, who, roomId, bob.userId)) === "join", `bob joined on ${server.serverName}`, 10_000);
		}
	});

	it("messages go both ways", async () => {
		const a = await call(hs1, alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/a1`, { msgtype: "m.text", body: "hi bob" });
		expect(a.status).toBe(200);
		await eventually(async () => (await messages(hs2, bob, roomId)).includes("hi bob"), "alice's message on hs2", 20_000);
		const b = await call(hs2, bob, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/b1`, { msgtype: "m.text", body: "hi alice" });
		expect(b.status).toBe(200);
		await eventually(async () => (await messages(hs1, alice, roomId)).includes("hi alice"), "bob's message on hs1", 20_000);
		expect(await messages(hs1, alice, roomId)).toEqual(["hi bob", "hi alice"]);
	});

	it("dave@hs2 is invited to the room hs2 already holds: the invite is a PDU of it there, and dave joins", async () => {
		const invited = await call(hs1, alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: dave.userId });
		expect(invited.status, JSON.stringify(invited.body)).toBe(200);
		await eventually(async () => (await sync(hs2, dave)).rooms.invite[roomId] !== undefined, "the invite in dave's /sync", 10_000);
		const joined = await call(hs2, dave, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		expect(joined.status, JSON.stringify(joined.body)).toBe(200);
		await eventually(async () => (await membershipOf(hs1, alice, roomId, dave.userId)) === "join", "dave joined on hs1", 10_000);
	});

	it("carol@hs2 rejects an invite to a room hs2 does not hold: send_leave through hs1, and /sync shows it in leave", async () => {
		const other = await createRoom({ preset: "private_chat", name: "declined" });
		const invited = await call(hs1, alice, "POST", `/_matrix/client/v3/rooms/${enc(other)}/invite`, { user_id: carol.userId });
		expect(invited.status, JSON.stringify(invited.body)).toBe(200);
		const seen = await sync(hs2, carol);
		expect(seen.rooms.invite[other]).toBeDefined();
		const left = await call(hs2, carol, "POST", `/_matrix/client/v3/rooms/${enc(other)}/leave`, { reason: "no thanks" });
		expect(left.status, JSON.stringify(left.body)).toBe(200);
		const after = await sync(hs2, carol, seen.next_batch);
		expect(after.rooms.leave[other]).toBeDefined();
		expect(after.rooms.invite[other]).toBeUndefined();
		await eventually(async () => (await membershipOf(hs1, alice, other, carol.userId)) === "leave", "carol's rejection on hs1", 10_000);
	});

	it("a remote invite that hs2 refuses commits nothing on hs1", async () => {
		const res = await call(hs1, alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: `@nobody:${hs2.serverName}` });
		expect(res.status).toBe(403);
		expect(await membershipOf(hs1, alice, roomId, `@nobody:${hs2.serverName}`)).toBeNull();
	});
});

describe("knocking across servers", () => {
	it("bob@hs2 knocks on alice's knock room; alice's invite lets him in", async () => {
		const roomId = await createRoom({ preset: "private_chat", name: "knock here", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] });
		const knocked = await call(hs2, bob, "POST", `/_matrix/client/v3/knock/${enc(roomId)}?via=${enc(hs1.serverName)}`, { reason: "let me in" });
		expect(knocked.status, JSON.stringify(knocked.body)).toBe(200);
		const seen = await sync(hs2, bob);
		const knock = seen.rooms.knock[roomId] as { knock_state: { events: { type: string; content: Record<string, unknown> }[] } } | undefined;
		expect(knock).toBeDefined();
		expect(knock!.knock_state.events.find((e) => e.type === "m.room.name")?.content.name).toBe("knock here");
		expect(await membershipOf(hs1, alice, roomId, bob.userId)).toBe("knock");

		const invited = await call(hs1, alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: bob.userId });
		expect(invited.status, JSON.stringify(invited.body)).toBe(200);
		const after = await sync(hs2, bob, seen.next_batch);
		expect(after.rooms.invite[roomId]).toBeDefined();
		const joined = await call(hs2, bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
		expect(joined.status, JSON.stringify(joined.body)).toBe(200);
		await eventually(async () => (await membershipOf(hs1, alice, roomId, bob.userId)) === "join", "bob joined the knock room on hs1", 10_000);
	});
});
