// Durability of outbound federation across restarts, with two real servers by the run contract: events
// acknowledged on hs1 while hs2 is down reach hs2 once it is back (exactly once, in order), also when hs1
// itself is stopped while its outbound queue for hs2 still holds them and started again on the same state.
// A returning hs2 is retried at once when it sends hs1 a transaction, not at the next backoff step.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { call } from "./server-call";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
/** Four starts of workerd in one file: on a shared, loaded machine one start can take over a minute. */
const START_TIMEOUT_MS = 120_000;
/** Events sent on hs1 during each outage (issue 4: 50 while hs2 is down). */
const N = 50;
let hs1: RunningServer;
let hs2: RunningServer;
let alice: Account;
let bob: Account;
let roomId: string;
/** Event IDs hs1 acknowledged for alice's messages, in send order. */
const acked: string[] = [];

/** Event IDs of alice's m.room.message events in the room's timeline as `who` sees it on `server`, oldest first. */
async function aliceMessages(server: RunningServer, who: Account): Promise<string[]> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=200`);
	if (res.status !== 200) return [];
	const chunk = res.body.chunk as { type: string; sender: string; event_id: string }[];
	return chunk
		.filter((e) => e.type === "m.room.message" && e.sender === alice.userId)
		.map((e) => e.event_id)
		.reverse();
}

async function sendBatch(label: string): Promise<void> {
	for (let i = 0; i < N; i++) {
		const res = await call(hs1, alice, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${label}-${i}`, { msgtype: "m.text", body: `${label} ${i}` });
		expect(res.status).toBe(200);
		acked.push(res.body.event_id as string);
	}
}

/** PDUs hs1's DestinationDO for hs2 holds (queued or in the in-flight transaction), read from its SQLite file. */
function pdusQueuedOnHs1(): number {
	const dir = join(hs1.stateDir, "v3/do/sealbridge-DestinationDO");
	let total = 0;
	for (const file of readdirSync(dir).filter((f) => f.endsWith(".sqlite"))) {
		const db = new DatabaseSync(join(dir, file), { readOnly: true });
		try {
			// A DestinationDO whose schema is not yet migrated holds nothing.
			if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'meta'").get() === undefined) continue;
			const meta = db.prepare("SELECT destination FROM meta").get() as { destination: string } | undefined;
			if (meta?.destination !== hs2.serverName) continue;
			total += (db.prepare("SELECT COUNT(*) AS n FROM queue WHERE kind = 'pdu'").get() as { n: number }).n;
			const inFlight = db.prepare("SELECT payload FROM in_flight_txn").get() as { payload: string } | undefined;
			if (inFlight) total += (JSON.parse(inFlight.payload) as { pdus: unknown[] }).pdus.length;
		} finally {
			db.close();
		}
	}
	return total;
}

/** hs2 is back: bob's typing notice is a transaction to hs1, which wakes hs1's queue for hs2. */
async function announceHs2(): Promise<void> {
	const res = await call(hs2, bob, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(bob.userId)}`, { typing: true, timeout: 5_000 });
	expect(res.status).toBe(200);
}

async function restart(server: RunningServer): Promise<RunningServer> {
	return startServer({ port: server.port, serverName: server.serverName, stateDir: server.stateDir, env: ENV, startTimeoutMs: START_TIMEOUT_MS });
}

beforeAll(async () => {
	[hs1, hs2] = await Promise.all([
		startServer({ stateDir: newStateDir("fed-restart-hs1"), env: ENV, startTimeoutMs: START_TIMEOUT_MS }),
		startServer({ stateDir: newStateDir("fed-restart-hs2"), env: ENV, startTimeoutMs: START_TIMEOUT_MS }),
	]);
	[alice, bob] = await Promise.all([register(hs1.baseUrl, "alice", "alice-password-1"), register(hs2.baseUrl, "bob", "bob-password-1")]);
	const created = await call(hs1, alice, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat", name: "durable" });
	expect(created.status).toBe(200);
	roomId = created.body.room_id as string;
	const joined = await call(hs2, bob, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?via=${encodeURIComponent(hs1.serverName)}`, {});
	expect(joined.status, JSON.stringify(joined.body)).toBe(200);
}, 300_000);

afterAll(async () => {
	await Promise.all([hs1?.stop(), hs2?.stop()]);
});

describe("outbound federation across restarts", () => {
	it(`${N} events sent while hs2 is down reach it after its restart, exactly once and in order`, async () => {
		await hs2.stop();
		await sendBatch("while-hs2-down");
		hs2 = await restart(hs2);
		await announceHs2();
		await eventually(async () => (await aliceMessages(hs2, bob)).length >= acked.length, `${acked.length} events on hs2`, 90_000);
		expect(await aliceMessages(hs2, bob)).toEqual(acked);
	}, 240_000);

	it("hs1 stopped with its outbound queue for hs2 non-empty loses and duplicates nothing after its restart", async () => {
		await hs2.stop();
		await sendBatch("before-hs1-stop");
		// The events have left the room's outbox and wait in hs1's DestinationDO for hs2 (hs2 is down).
		await eventually(() => pdusQueuedOnHs1() === N, `${N} PDUs queued on hs1 for hs2`, 60_000);
		await hs1.stop();
		expect(pdusQueuedOnHs1()).toBe(N);
		hs1 = await restart(hs1);
		hs2 = await restart(hs2);
		await announceHs2();
		await eventually(async () => (await aliceMessages(hs2, bob)).length >= acked.length, `${acked.length} events on hs2`, 90_000);
		expect(await aliceMessages(hs2, bob)).toEqual(acked);
		expect(await aliceMessages(hs1, alice)).toEqual(acked);
		await eventually(() => pdusQueuedOnHs1() === 0, "hs1's queue for hs2 drained", 30_000);
	}, 360_000);
});
