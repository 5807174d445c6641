// Two real servers by the run contract federating over loopback HTTP: alice@hs1 creates a public,
// unencrypted room, bob@hs2 joins it over federation (make_join/send_join through hs1), and messages go
// both ways exactly once, seen through each side's /messages.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, #transactions
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { call } from "./server-call";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
let hs1: RunningServer;
let hs2: RunningServer;
let alice: Account;
let bob: Account;
let roomId: string;

/** The bodies of m.room.message events in the room's timeline as `who` sees it on `server`, oldest first. */
async function messages(server: RunningServer, who: Account): Promise<string[]> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`);
	if (res.status !== 200) return [];
	const chunk = res.body.chunk as { type: string; content: { body?: string } }[];
	return chunk.filter((e) => e.type === "m.room.message").map((e) => e.content.body ?? "").reverse();
}

async function say(server: RunningServer, who: Account, body: string, txn: string): Promise<void> {
	const res = await call(server, who, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, { msgtype: "m.text", body });
	expect(res.status).toBe(200);
}

beforeAll(async () => {
	// Two workerd starts at once: on a loaded 2-CPU machine one can take over a minute.
	[hs1, hs2] = await Promise.all([
		startServer({ stateDir: newStateDir("fed-hs1"), env: ENV, startTimeoutMs: 120_000 }),
		startServer({ stateDir: newStateDir("fed-hs2"), env: ENV, startTimeoutMs: 120_000 }),
	]);
	[alice, bob] = await Promise.all([register(hs1.baseUrl, "alice", "alice-password-1"), register(hs2.baseUrl, "bob", "bob-password-1")]);
}, 150_000);

afterAll(async () => {
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("two federating servers", () => {
	it("bob@hs2 joins alice@hs1's public room through hs1 and sees its state", async () => {
		const created = await call(hs1, alice, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat", name: "fed" });
		expect(created.status).toBe(200);
		roomId = created.body.room_id as string;
		const joined = await call(hs2, bob, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?via=${encodeURIComponent(hs1.serverName)}`, {});
		expect(joined.status, JSON.stringify(joined.body)).toBe(200);
		// Both servers hold the room's membership: hs2 from the verified send_join state, hs1 from send_join.
		for (const [server, who] of [[hs1, alice], [hs2, bob]] as const) {
			const members = await call(server, who, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/joined_members`);
			expect(members.status).toBe(200);
			expect(Object.keys(members.body.joined as object).sort()).toEqual([alice.userId, bob.userId].sort());
		}
	});

	it("messages go both ways, in order, exactly once", async () => {
		await say(hs1, alice, "hello from hs1", "a1");
		await eventually(async () => (await messages(hs2, bob)).includes("hello from hs1"), "alice's message on hs2", 20_000);
		await say(hs2, bob, "hello from hs2", "b1");
		await eventually(async () => (await messages(hs1, alice)).includes("hello from hs2"), "bob's message on hs1", 20_000);
		for (let i = 0; i < 5; i++) await say(hs1, alice, `burst ${i}`, `a-burst-${i}`);
		const expected = ["hello from hs1", "hello from hs2", ...Array.from({ length: 5 }, (_, i) => `burst ${i}`)];
		await eventually(async () => (await messages(hs2, bob)).length >= expected.length, "the burst on hs2", 20_000);
		expect(await messages(hs2, bob)).toEqual(expected);
		expect(await messages(hs1, alice)).toEqual(expected);
	});

	it("presence crosses servers both ways (m.presence EDUs)", async () => {
		const status = (who: Account) => `/_matrix/client/v3/presence/${encodeURIComponent(who.userId)}/status`;
		expect((await call(hs2, bob, "PUT", status(bob), { presence: "unavailable", status_msg: "on hs2" })).status).toBe(200);
		await eventually(async () => (await call(hs1, alice, "GET", status(bob))).body.status_msg === "on hs2", "bob's presence on hs1", 20_000);
		expect((await call(hs1, alice, "GET", status(bob))).body.presence).toBe("unavailable");
		expect((await call(hs1, alice, "PUT", status(alice), { presence: "online", status_msg: "on hs1" })).status).toBe(200);
		await eventually(async () => (await call(hs2, bob, "GET", status(alice))).body.status_msg === "on hs1", "alice's presence on hs2", 20_000);
	});
});
