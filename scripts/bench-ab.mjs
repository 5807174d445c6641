#!/usr/bin/env node
// A/B comparison of two builds of sealbridge: both run side by side (wrangler's test harness, each with a
// hello-world worker, requests through wrangler's dev proxy as `npm start` serves them), and rounds of
// sequential sends, hello-world requests and send -> long-poll /sync latencies alternate between them. On a
// shared 2-CPU machine a figure from one run says little about a change worth a millisecond; a paired
// difference, round by round under the same load, does.
import { requestTarget, sealbridgeWithHello, sendToWokenSync, syncShows } from "./bench/harness.mjs";

const HELP = `Usage: node scripts/bench-ab.mjs DIR_A DIR_B [ROUNDS] [--direct]

Starts the sealbridge checked out in DIR_A and the one in DIR_B (each a checkout of this repository, e.g. a
git worktree of the commit to compare), registers two users in a two-member room on each, and runs ROUNDS
(default 10) alternating rounds: 100 hello-world requests, 150 sequential message sends, 15 send -> other
user's long-poll /sync latencies. Prints each build's medians and the median paired difference of the send
time (B - A), and in how many rounds B was faster; then the same for the send time above each server's own
hello-world time, since two servers differ a little even on the same code, and for each round's median
send -> /sync latency. --direct sends requests straight to each worker instead of
through wrangler's dev proxy. Servers bind 127.0.0.1 on ports the system picks; both are stopped at the end.`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h") || args.filter((a) => !a.startsWith("--")).length < 2) {
	console.log(HELP);
	process.exit(args.includes("--help") || args.includes("-h") ? 0 : 2);
}
const [dirA, dirB, roundsArg] = args.filter((a) => !a.startsWith("--"));
const ROUNDS = Math.max(1, Math.min(50, Number(roundsArg ?? 10) || 10));
const DIRECT = args.includes("--direct");
/** Five a round were too few to separate two builds' /sync latencies; fifteen cost about half a second more a round. */
const SYNC_PER_ROUND = 15;

async function setup(dir) {
	const server = sealbridgeWithHello(dir);
	await server.listen();
	await server.getWorker("sealbridge").applyD1Migrations("DB");
	const target = requestTarget(server, DIRECT);
	async function req(method, path, body, token) {
		const headers = { "content-type": "application/json" };
		if (token) headers.authorization = `Bearer ${token}`;
		const res = await target.fetch(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await res.text();
		return { status: res.status, json: text ? JSON.parse(text) : null };
	}
	async function register(name) {
		const password = `pw-${name}-0123456789`;
		const first = await req("POST", "/_matrix/client/v3/register", { username: name, password });
		const done = await req("POST", "/_matrix/client/v3/register", { username: name, password, auth: { type: "m.login.dummy", session: first.json?.session } });
		if (done.status !== 200) throw new Error(`${dir}: registration failed (${done.status})`);
		return done.json;
	}
	const alice = await register("alice");
	const bob = await register("bob");
	const room = (await req("POST", "/_matrix/client/v3/createRoom", { preset: "private_chat", invite: [bob.user_id] }, alice.access_token)).json.room_id;
	await req("POST", `/_matrix/client/v3/join/${encodeURIComponent(room)}`, {}, bob.access_token);
	let txn = 0;
	const send = async () => {
		const r = await req("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.encrypted/t${txn++}`, { algorithm: "m.megolm.v1.aes-sha2", ciphertext: `c${txn}`, device_id: "AB", sender_key: "k", session_id: "s" }, alice.access_token);
		if (r.status !== 200) throw new Error(`${dir}: send answered ${r.status}`);
		return r.json;
	};
	const hello = () => target.fetch("http://hello.bench/").then((r) => r.text());
	let since = null;
	/** Bob's token brought up to date: the sends timed alone moved the room on without him. */
	const catchUp = async () => {
		const query = since === null ? "timeout=0" : `timeout=0&since=${encodeURIComponent(since)}`;
		since = (await req("GET", `/_matrix/client/v3/sync?${query}`, undefined, bob.access_token)).json.next_batch;
	};
	const sendToSync = async () => {
		const poll = () => req("GET", `/_matrix/client/v3/sync?timeout=10000&since=${encodeURIComponent(since)}`, undefined, bob.access_token);
		const { ms, body } = await sendToWokenSync(poll, send, (b, sent) => syncShows(b.json, room, sent.event_id));
		since = body.json.next_batch;
		return ms;
	};
	return { server, send, hello, catchUp, sendToSync };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Mean time per call of `op` over `n` sequential calls, in ms. */
async function perCall(op, n) {
	const t0 = performance.now();
	for (let i = 0; i < n; i++) await op();
	return (performance.now() - t0) / n;
}

const builds = [];
try {
	for (const dir of [dirA, dirB]) builds.push({ dir, ...(await setup(dir)), send_ms: [], hello_ms: [], sync_ms: [], sync_round_ms: [] });
	// Warm-up: both workers and the proxy ran well below their later rates for their first few hundred requests.
	for (const b of builds) for (let i = 0; i < 200; i++) await Promise.all([b.hello(), b.send()]);
	for (let round = 0; round < ROUNDS; round++) {
		for (const b of round % 2 === 0 ? builds : [...builds].reverse()) {
			b.hello_ms.push(await perCall(b.hello, 100));
			b.send_ms.push(await perCall(b.send, 150));
			await b.catchUp();
			const latencies = [];
			for (let i = 0; i < SYNC_PER_ROUND; i++) latencies.push(await b.sendToSync());
			b.sync_ms.push(...latencies);
			b.sync_round_ms.push(median(latencies));
		}
	}
	for (const b of builds) {
		const ratio = (100 * median(b.hello_ms)) / median(b.send_ms);
		console.log(`${b.dir}: send ${median(b.send_ms).toFixed(2)} ms, hello-world ${median(b.hello_ms).toFixed(2)} ms (send rate ${ratio.toFixed(1)}% of hello-world's), send -> /sync p50 ${median(b.sync_ms).toFixed(1)} ms`);
	}
	const diffs = builds[1].send_ms.map((t, i) => t - builds[0].send_ms[i]);
	console.log(`paired send difference B - A: median ${median(diffs).toFixed(2)} ms; B faster in ${diffs.filter((d) => d < 0).length} of ${diffs.length} rounds`);
	// The two servers are not equally fast even on the same code (their hello-worlds differ too): what a
	// send costs above its own server's hello-world, round by round, takes that out.
	const excess = (b, i) => b.send_ms[i] - b.hello_ms[i];
	const excessDiffs = builds[1].send_ms.map((_, i) => excess(builds[1], i) - excess(builds[0], i));
	console.log(`paired difference of (send - hello-world) B - A: median ${median(excessDiffs).toFixed(2)} ms; B lower in ${excessDiffs.filter((d) => d < 0).length} of ${excessDiffs.length} rounds`);
	const syncDiffs = builds[1].sync_round_ms.map((t, i) => t - builds[0].sync_round_ms[i]);
	console.log(`paired send -> /sync difference (each round's median of ${SYNC_PER_ROUND}) B - A: median ${median(syncDiffs).toFixed(2)} ms; B lower in ${syncDiffs.filter((d) => d < 0).length} of ${syncDiffs.length} rounds`);
} finally {
	for (const b of builds) await b.server.close();
}
