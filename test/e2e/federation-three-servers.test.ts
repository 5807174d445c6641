// Three real servers by the run contract federating over loopback HTTP. alice@hs1 creates a public room;
// bob@hs2 joins through hs1; carol@hs3 joins through hs2, so hs2 serves make_join/send_join for a room it
// did not create and hs3 learns from the send_join state that hs1 and hs2 are in the room. Each origin
// sends its PDUs to every server of the current joined members (nobody relays another's events; only the
// resident that accepted a send_join forwards that join, as the spec says): messages from each user
// reach the other two servers exactly once, in causal order; carol's state changes reach hs1 and hs2; once
// bob leaves, hs2 gets nothing new while hs1 and hs3 keep talking.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, #transactions,
// #retrieving-events (get_missing_events). A stopped and restarted hs1 catches up on what it missed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, eventually, register } from "./matrix-clients";
import { newStateDir, type RunningServer, startServer } from "./run-server";
import { call } from "./server-call";

const ENV = { FEDERATION_INSECURE_LOOPBACK: "true", ENABLE_REGISTRATION: "true", ENCRYPT_NEW_ROOMS: "false" };
const ARRIVAL_MS = 60_000;
const enc = encodeURIComponent;
let hs1: RunningServer;
let hs2: RunningServer;
let hs3: RunningServer;
let alice: Account;
let bob: Account;
let carol: Account;
/** A user of hs2 who never joins: the room is world_readable, so dave reads whatever hs2 holds of it. */
let dave: Account;
let roomId: string;

interface Timeline {
	bodies: string[];
	events: { event_id: string; type: string; sender: string; content: Record<string, unknown>; state_key?: string }[];
}

/** The room's timeline as `who` sees it on `server`, oldest first. */
async function timeline(server: RunningServer, who: Account): Promise<Timeline> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=500`);
	if (res.status !== 200) return { bodies: [], events: [] };
	const events = (res.body.chunk as Timeline["events"]).reverse();
	return { events, bodies: events.filter((e) => e.type === "m.room.message").map((e) => String(e.content.body ?? "")) };
}

async function say(server: RunningServer, who: Account, body: string): Promise<void> {
	const res = await call(server, who, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${enc(body)}`, { msgtype: "m.text", body });
	expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function joinedMembers(server: RunningServer, who: Account): Promise<string[]> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`);
	return res.status === 200 ? Object.keys(res.body.joined as object).sort() : [];
}

async function stateContent(server: RunningServer, who: Account, type: string, stateKey = ""): Promise<Record<string, unknown> | null> {
	const res = await call(server, who, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`);
	return res.status === 200 ? res.body : null;
}

/** Each body in `bodies` appears exactly once in `seen`, in the order given. */
function expectOnceInOrder(seen: string[], bodies: string[], where: string): void {
	for (const body of bodies) expect(seen.filter((b) => b === body), `${body} on ${where}`).toHaveLength(1);
	expect(
		seen.filter((b) => bodies.includes(b)),
		where,
	).toEqual(bodies);
}

beforeAll(async () => {
	// One after the other: each workerd start gets its own time on a loaded machine.
	hs1 = await startServer({ stateDir: newStateDir("fed3-hs1"), env: ENV, startTimeoutMs: 150_000 });
	hs2 = await startServer({ stateDir: newStateDir("fed3-hs2"), env: ENV, startTimeoutMs: 150_000 });
	hs3 = await startServer({ stateDir: newStateDir("fed3-hs3"), env: ENV, startTimeoutMs: 150_000 });
	[alice, bob, carol, dave] = await Promise.all([
		register(hs1.baseUrl, "alice", "alice-password-1"),
		register(hs2.baseUrl, "bob", "bob-password-1"),
		register(hs3.baseUrl, "carol", "carol-password-1"),
		register(hs2.baseUrl, "dave", "dave-password-1"),
	]);
}, 480_000);

afterAll(async () => {
	await Promise.all([hs1?.stop(), hs2?.stop(), hs3?.stop()]);
});

describe("three federating servers", () => {
	it("bob@hs2 joins through hs1, then carol@hs3 joins through hs2 (a resident that did not create the room)", async () => {
		const created = await call(hs1, alice, "POST", "/_matrix/client/v3/createRoom", {
			preset: "public_chat",
			name: "three",
			initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "world_readable" } }],
		});
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		roomId = created.body.room_id as string;

		const bobJoin = await call(hs2, bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}?via=${enc(hs1.serverName)}`, {});
		expect(bobJoin.status, JSON.stringify(bobJoin.body)).toBe(200);
		const carolJoin = await call(hs3, carol, "POST", `/_matrix/client/v3/join/${enc(roomId)}?via=${enc(hs2.serverName)}`, {});
		expect(carolJoin.status, JSON.stringify(carolJoin.body)).toBe(200);

		const everyone = [alice.userId, bob.userId, carol.userId].sort();
		// hs3 knows all three from the send_join answer; hs1 hears of carol's join from hs2, the resident that
		// accepted it (hs3 talked only to hs2).
		expect(await joinedMembers(hs3, carol)).toEqual(everyone);
		for (const [server, who] of [[hs1, alice], [hs2, bob]] as const) {
			await eventually(async () => (await joinedMembers(server, who)).length === 3, `carol's join on ${server.serverName}`, ARRIVAL_MS);
			expect(await joinedMembers(server, who)).toEqual(everyone);
		}
	}, 180_000);

	it("messages from each user reach the other two servers exactly once, in causal order", async () => {
		// A conversation: each line is sent after its sender's server holds the previous one, so each is
		// causally after all the earlier ones.
		const conversation: [RunningServer, Account, string][] = [
			[hs1, alice, "alice 1"],
			[hs2, bob, "bob 1"],
			[hs3, carol, "carol 1"],
			[hs1, alice, "alice 2"],
			[hs3, carol, "carol 2"],
			[hs2, bob, "bob 2"],
		];
		const sent: string[] = [];
		for (const [server, who, body] of conversation) {
			if (sent.length > 0) {
				const last = sent[sent.length - 1]!;
				await eventually(async () => (await timeline(server, who)).bodies.includes(last), `${last} on ${server.serverName}`, ARRIVAL_MS);
			}
			await say(server, who, body);
			sent.push(body);
		}
		const views = [
			[hs1, alice],
			[hs2, bob],
			[hs3, carol],
		] as const;
		for (const [server, who] of views) {
			await eventually(async () => (await timeline(server, who)).bodies.includes("bob 2"), `bob 2 on ${server.serverName}`, ARRIVAL_MS);
			expectOnceInOrder((await timeline(server, who)).bodies, sent, server.serverName);
		}

		// Then all three at once: concurrent branches that each server merges; every message once, and each
		// sender's own messages in the order sent.
		const bursts = views.map(([, who]) => Array.from({ length: 4 }, (_, i) => `${who.userId.slice(1, 6)} burst ${i}`));
		await Promise.all(
			views.map(async ([server, who], n) => {
				for (const body of bursts[n]!) await say(server, who, body);
			}),
		);
		const all = bursts.flat();
		for (const [server, who] of views) {
			await eventually(async () => {
				const seen = (await timeline(server, who)).bodies;
				return all.every((b) => seen.includes(b));
			}, `every burst on ${server.serverName}`, ARRIVAL_MS);
			const seen = (await timeline(server, who)).bodies;
			for (const burst of bursts) expectOnceInOrder(seen, burst, server.serverName);
		}
	}, 300_000);

	it("carol's state changes on hs3 (a topic once alice gave her power, her displayname) reach hs1 and hs2", async () => {
		const levels = await stateContent(hs1, alice, "m.room.power_levels");
		expect(levels).not.toBeNull();
		const users = { ...(levels!.users as Record<string, number>), [carol.userId]: 50 };
		const raised = await call(hs1, alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.power_levels/`, { ...levels, users });
		expect(raised.status, JSON.stringify(raised.body)).toBe(200);
		await eventually(
			async () => ((await stateContent(hs3, carol, "m.room.power_levels"))?.users as Record<string, number> | undefined)?.[carol.userId] === 50,
			"carol's power on hs3",
			ARRIVAL_MS,
		);

		const topic = await call(hs3, carol, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.topic/`, { topic: "set on hs3" });
		expect(topic.status, JSON.stringify(topic.body)).toBe(200);
		const named = await call(hs3, carol, "PUT", `/_matrix/client/v3/profile/${enc(carol.userId)}/displayname`, { displayname: "Carol of hs3" });
		expect(named.status, JSON.stringify(named.body)).toBe(200);
		for (const [server, who] of [
			[hs1, alice],
			[hs2, bob],
		] as const) {
			await eventually(async () => (await stateContent(server, who, "m.room.topic"))?.topic === "set on hs3", `the topic on ${server.serverName}`, ARRIVAL_MS);
			await eventually(
				async () => (await stateContent(server, who, "m.room.member", carol.userId))?.displayname === "Carol of hs3",
				`carol's displayname on ${server.serverName}`,
				ARRIVAL_MS,
			);
		}
	}, 240_000);

	it("hs1 back from an outage gets what bob and carol said meanwhile, each once and in order", async () => {
		// While hs1 is down, carol answers bob, so her event's prev_events name his. Back up, hs1 may get
		// carol's before bob's (each origin retries on its own schedule): it then fetches bob's through
		// get_missing_events from hs3, and bob's own later delivery is a duplicate.
		await hs1.stop();
		await say(hs2, bob, "while hs1 is down: bob");
		await eventually(async () => (await timeline(hs3, carol)).bodies.includes("while hs1 is down: bob"), "bob's message on hs3", ARRIVAL_MS);
		await say(hs3, carol, "while hs1 is down: carol");
		hs1 = await startServer({ port: hs1.port, serverName: hs1.serverName, stateDir: hs1.stateDir, env: ENV, startTimeoutMs: 150_000 });
		// alice's message tells hs2 and hs3 that hs1 is up again (their queues for it need not wait out their backoff).
		await say(hs1, alice, "hs1 is back");
		const expected = ["while hs1 is down: bob", "while hs1 is down: carol", "hs1 is back"];
		await eventually(
			async () => {
				const seen = (await timeline(hs1, alice)).bodies;
				return expected.every((b) => seen.includes(b));
			},
			"the outage's messages on hs1",
			ARRIVAL_MS * 2,
		);
		const seen = (await timeline(hs1, alice)).bodies;
		expectOnceInOrder(seen, expected.slice(0, 2), "hs1");
		for (const body of expected) expect(seen.filter((b) => b === body), body).toHaveLength(1);
	}, 300_000);

	it("once bob leaves, hs2 receives nothing new while hs1 and hs3 keep talking", async () => {
		// dave@hs2 reads hs2's copy of the world_readable room without being in it.
		await eventually(async () => (await timeline(hs2, dave)).bodies.includes("bob 2"), "the room on hs2 for dave", ARRIVAL_MS);
		const left = await call(hs2, bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
		expect(left.status, JSON.stringify(left.body)).toBe(200);
		const twoLeft = [alice.userId, carol.userId].sort();
		for (const [server, who] of [
			[hs1, alice],
			[hs3, carol],
		] as const) {
			await eventually(async () => (await joinedMembers(server, who)).length === 2, `bob's leave on ${server.serverName}`, ARRIVAL_MS);
			expect(await joinedMembers(server, who)).toEqual(twoLeft);
		}

		await say(hs1, alice, "after bob: alice");
		await eventually(async () => (await timeline(hs3, carol)).bodies.includes("after bob: alice"), "alice's message on hs3", ARRIVAL_MS);
		await say(hs3, carol, "after bob: carol");
		await eventually(async () => (await timeline(hs1, alice)).bodies.includes("after bob: carol"), "carol's message on hs1", ARRIVAL_MS);
		for (const [server, who] of [
			[hs1, alice],
			[hs3, carol],
		] as const) {
			expectOnceInOrder((await timeline(server, who)).bodies, ["after bob: alice", "after bob: carol"], server.serverName);
		}

		// A third message after both arrived: had anyone still sent to hs2, the earlier two would be there by now.
		await say(hs1, alice, "after bob: last");
		await eventually(async () => (await timeline(hs3, carol)).bodies.includes("after bob: last"), "the last message on hs3", ARRIVAL_MS);
		const onHs2 = await timeline(hs2, dave);
		expect(onHs2.events.some((e) => e.type === "m.room.member" && e.state_key === bob.userId && e.content.membership === "leave")).toBe(true);
		expect(onHs2.bodies.filter((b) => b.startsWith("after bob"))).toEqual([]);
	}, 240_000);
});
