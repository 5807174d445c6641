#!/usr/bin/env node
// `npm run bench:cpu`: CPU milliseconds per request, split by process (this bench client, wrangler's dev proxy,
// the workerd that runs the worker and its Durable Objects), next to the wall time. A ratio of wall times
// says how much slower a send is than hello-world; this says where the difference is spent. Not a test.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { requestTarget, sealbridgeWithHello, sendToWokenSync, syncShows } from "./bench/harness.mjs";

const HELP = `Usage: npm run bench:cpu [-- --requests N] [-- --rounds R] [-- --direct] [-- --only TEXT]

Starts sealbridge and the hello-world worker in one workerd (wrangler's test harness, 127.0.0.1), registers
two users in a two-member room, and for each of: hello-world GET, hello-world PUT with a send-sized JSON
body, GET /versions, GET /account/whoami, a message send, an empty incremental /sync, and a send while the
other member long-polls /sync (as the bench's send -> /sync row: the poll parks, 20 ms later the send goes,
and both answers are awaited; its wall time includes those 20 ms), runs N sequential requests (default 400) and
prints the wall time per request and the CPU time per request of each process, read from /proc/<pid>/stat
before and after (user + system): "client" is this Node process (the bench's own fetch), "proxy" is
wrangler's dev proxy workerd, "worker" is the workerd holding the Durable Objects' SQLite files. R rounds
(default 3). Work done after a reply (a send's drain) is counted too, so CPU can exceed wall time. A host
that steals CPU inflates both. Linux only. --direct sends requests straight to each worker, bypassing the
proxy. --only runs just the rows whose name contains TEXT (hello-world GET always runs first, as a yardstick).`;
if (process.argv.includes("--help") || process.argv.includes("-h")) {
	console.log(HELP);
	process.exit(0);
}
const arg = (name, fallback) => {
	const i = process.argv.indexOf(name);
	return i < 0 ? fallback : Math.max(1, Number(process.argv[i + 1]) || fallback);
};
const N = arg("--requests", 400);
const ROUNDS = arg("--rounds", 3);
const onlyAt = process.argv.indexOf("--only");
const ONLY = onlyAt < 0 ? "" : (process.argv[onlyAt + 1] ?? "");
// Rate limiting off: 400 back-to-back GET /account/whoami outrun its limit (5/s, burst 20, times the local
// RATE_LIMIT_PERCENT of 1000), and the limiter is not what this measures.
const server = sealbridgeWithHello(".", { RATE_LIMIT_PERCENT: "0" });
await server.listen();
await server.getWorker().applyD1Migrations("DB");
const target = requestTarget(server, process.argv.includes("--direct"));

async function req(method, url, body, token) {
	const headers = { "content-type": "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	const res = await target.fetch(url.startsWith("http") ? url : `http://localhost${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	if (res.status !== 200) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 200)}`);
	return JSON.parse(text);
}

/** This process and its descendants: pid → { name, ms } with ms = user + system CPU so far. */
function processTimes() {
	const parent = new Map();
	const stat = new Map();
	for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
		try {
			const s = readFileSync(`/proc/${pid}/stat`, "utf8");
			const fields = s.slice(s.lastIndexOf(")") + 2).split(" ");
			parent.set(pid, fields[1]);
			// utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
			stat.set(pid, { name: s.slice(s.indexOf("(") + 1, s.lastIndexOf(")")), ms: (Number(fields[11]) + Number(fields[12])) * 10 });
		} catch {
			// The process ended while we read.
		}
	}
	const mine = new Set([String(process.pid)]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const [pid, ppid] of parent) {
			if (mine.has(pid) || !mine.has(ppid)) continue;
			mine.add(pid);
			grew = true;
		}
	}
	return new Map([...mine].filter((pid) => stat.has(pid)).map((pid) => [pid, stat.get(pid)]));
}

/** Which role a process plays: the workerd with Durable Object files open runs the worker. */
function roleOf(pid, name) {
	if (pid === String(process.pid)) return "client";
	if (name !== "workerd") return "other";
	try {
		for (const fd of readdirSync(`/proc/${pid}/fd`)) if (readlinkSync(`/proc/${pid}/fd/${fd}`).includes("/do/")) return "worker";
	} catch {
		return "other";
	}
	return "proxy";
}

/** Whether a row runs: --only picks rows by name; hello-world GET always runs, as the yardstick. */
const runs = (name) => name.includes(ONLY) || name === "hello-world GET";

async function measure(name, op) {
	if (!runs(name)) return;
	const before = processTimes();
	const t0 = performance.now();
	for (let i = 0; i < N; i++) await op();
	const wall = (performance.now() - t0) / N;
	const after = processTimes();
	const byRole = { client: 0, proxy: 0, worker: 0, other: 0 };
	for (const [pid, { name: proc, ms }] of after) byRole[roleOf(pid, proc)] += (ms - (before.get(pid)?.ms ?? 0)) / N;
	const total = Object.values(byRole).reduce((a, b) => a + b, 0);
	const f = (x) => x.toFixed(2).padStart(6);
	console.log(`| ${name.padEnd(34)} | ${f(wall)} | ${f(total)} | ${f(byRole.client)} | ${f(byRole.proxy)} | ${f(byRole.worker)} | ${f(byRole.other)} |`);
}

async function register(name) {
	const password = `pw-${name}-0123456789`;
	const first = await target.fetch("http://localhost/_matrix/client/v3/register", { method: "POST", body: JSON.stringify({ username: name, password }) }).then((r) => r.json());
	return req("POST", "/_matrix/client/v3/register", { username: name, password, auth: { type: "m.login.dummy", session: first.session } });
}
const alice = await register("alice");
const bob = await register("bob");
const room = (await req("POST", "/_matrix/client/v3/createRoom", { preset: "private_chat", invite: [bob.user_id] }, alice.access_token)).room_id;
await req("POST", `/_matrix/client/v3/join/${encodeURIComponent(room)}`, {}, bob.access_token);
let txn = 0;
const sendBody = () => ({ algorithm: "m.megolm.v1.aes-sha2", ciphertext: `c${txn}`, device_id: "BENCH", sender_key: "k", session_id: "s" });
const send = () => req("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.encrypted/t${txn++}`, sendBody(), alice.access_token);
const hello = () => req("GET", "http://hello.bench/");
const helloPut = () => req("PUT", "http://hello.bench/", sendBody(), alice.access_token);
let since = (await req("GET", "/_matrix/client/v3/sync?timeout=0", undefined, bob.access_token)).next_batch;
const emptySync = async () => {
	since = (await req("GET", `/_matrix/client/v3/sync?timeout=0&since=${encodeURIComponent(since)}`, undefined, bob.access_token)).next_batch;
};
const WOKEN = "send + other member's woken /sync";
/** As the bench's send -> /sync row: Bob's long-poll parks, Alice sends, both answers arrive. */
const sendWithPoll = async () => {
	const poll = () => req("GET", `/_matrix/client/v3/sync?timeout=10000&since=${encodeURIComponent(since)}`, undefined, bob.access_token);
	since = (await sendToWokenSync(poll, send, (b, sent) => syncShows(b, room, sent.event_id))).body.next_batch;
};
// Warm-up: the proxy and both workers run slower for their first few hundred requests.
for (let i = 0; i < 400; i++) {
	await hello();
	await req("GET", "/_matrix/client/versions");
}
for (let i = 0; i < 100; i++) await send();

console.log(`\nsealbridge CPU per request (${ROUNDS} rounds of ${N}), ${new Date().toISOString()}, ms per request`);
console.log("| request | wall | CPU, all | client | proxy | worker | other |\n|---|---:|---:|---:|---:|---:|---:|");
for (let r = 0; r < ROUNDS; r++) {
	await measure("hello-world GET", hello);
	await measure("hello-world PUT, send-sized body", helloPut);
	await measure("GET /versions", () => req("GET", "/_matrix/client/versions"));
	await measure("GET /account/whoami", () => req("GET", "/_matrix/client/v3/account/whoami", undefined, alice.access_token));
	await measure("send, two-member room", send);
	await measure("empty incremental /sync", emptySync);
	// The sends above moved the room on without Bob (and with --only, the empty /sync row that catches him up may not run).
	if (runs(WOKEN)) await emptySync();
	await measure(WOKEN, sendWithPoll);
}
await server.close();
