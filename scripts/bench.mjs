#!/usr/bin/env node
// `npm run bench`: throughput and latency of sealbridge next to a hello-world worker on the same workerd,
// so every figure also reads as a ratio to the platform's own floor. Not a test: it prints figures.
// Loops are bounded in count and time; everything runs on 127.0.0.1 inside one wrangler test harness.
import { benchAuthority, EVENTS, exportBench } from "./bench/export-bench.mjs";
import { federationBench } from "./bench/federation-bench.mjs";
import { requestTarget, sealbridgeWithHello, sendToWokenSync, syncShows } from "./bench/harness.mjs";

const HELP = `Usage: npm run bench [-- --quick]

Starts sealbridge and a hello-world worker in one workerd (wrangler's test harness, 127.0.0.1) and prints
medians for: requests/s of hello-world and of cheap sealbridge routes; sequential sends/s to one room;
sends/s with 8 in flight to one room and across 8 rooms; send -> other user's long-poll /sync latency
p50/p95 (3 rounds of 50 sends, each beside hello-world's request latency, and the send's own answer's
p50 beside it); initial /sync for a user in 50 rooms; empty incremental /sync; lost/duplicated events;
and the lawful-access export: 100,000 event envelopes across 20 rooms (loaded in batches of real signed
events, at most 15 minutes), approval -> package ready, records/s, its phases, and workerd's resident memory
during the export;
federation between two servers by the run contract (npm start, loopback): send on hs1 -> hs2 long-poll /sync
p50/p95 over 200 messages, a burst of 200 sends delivered per second, lost/duplicated across servers.
Each rate is also given as a ratio to hello-world's: every round of a rate runs right after a round of
hello-world done the same way (sequential or 8 in flight), and the ratio is the median of the rounds' ratios.
  --quick              fewer iterations (a smoke run); skips the export benchmark
  --federation-only    run only the federation benchmark
  --export-events N    load N events (≤ 100000) for the export benchmark instead of 100,000
  --export-only        run only the export benchmark
  --client-only        run only the Client-Server figures (no export, no federation)
  --direct             send requests straight to each worker instead of through wrangler's dev proxy
Requests go as npm start serves them: through wrangler's local dev proxy (a second workerd with a Durable Object
in front of the worker), which costs about 4.5 ms per request on this machine, the same for every worker and
absent on Cloudflare's network. --direct sends them straight to each worker in workerd (the harness's
getWorker().fetch) to show the figures without it. The federation section always uses two npm start servers.`;
if (process.argv.includes("--help") || process.argv.includes("-h")) {
	console.log(HELP);
	process.exit(0);
}
const QUICK = process.argv.includes("--quick");
const N = QUICK ? 50 : 400;
const ROUNDS = QUICK ? 1 : 3;
const EXPORT_ONLY = process.argv.includes("--export-only");
const FEDERATION_ONLY = process.argv.includes("--federation-only");
const CLIENT_ONLY = process.argv.includes("--client-only");
const eventsArg = process.argv.indexOf("--export-events");
const EXPORT_EVENTS = eventsArg < 0 ? EVENTS : Math.min(EVENTS, Math.max(1, Number(process.argv[eventsArg + 1]) || EVENTS));
// The export section needs a trust store naming an authority key, so it is made before the server starts.
const authority = await benchAuthority();

const server = sealbridgeWithHello(".", { LAWFUL_TRUST_STORE: authority.trustStore });
await server.listen();
await server.getWorker().applyD1Migrations("DB");
const VIA_DEV_PROXY = !process.argv.includes("--direct");
/** Where requests go: wrangler's dev proxy (as npm start serves them), or each worker directly (routed by host, as the harness's routes do). */
const target = requestTarget(server, !VIA_DEV_PROXY);
const HS = "http://localhost";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const fmt = (x, d = 0) => (x === undefined || Number.isNaN(x) ? "n/a" : x.toFixed(d));
const pct1 = (x) => `${(x * 100).toFixed(1)}%`;

async function req(method, path, body, token) {
	const headers = { "content-type": "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	const res = await target.fetch(path.startsWith("http") ? path : HS + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = text;
	}
	return { status: res.status, json };
}

/** Rate (ops/s) of `op` run `n` times sequentially in one round. */
async function seqRound(n, op) {
	const t0 = performance.now();
	for (let i = 0; i < n; i++) await op(i);
	return n / ((performance.now() - t0) / 1000);
}

/** Rate of one round with `inflight` operations in flight at once. */
async function parallelRound(n, inflight, op) {
	let next = 0;
	const t0 = performance.now();
	await Promise.all(Array.from({ length: inflight }, async () => {
		for (let i = next++; i < n; i = next++) await op(i);
	}));
	return n / ((performance.now() - t0) / 1000);
}

const helloOp = () => target.fetch("http://hello.bench/").then((r) => r.text());
/** Every hello-world round, sequential and 8 in flight: the table's hello-world rows are their medians. */
const helloRates = { seq: [], par: [] };

/**
 * The median rate of `op` over ROUNDS rounds, and its ratio to hello-world's: each round measures
 * hello-world right before `op`, the same way (sequential or 8 in flight), and the ratio is the median of
 * the rounds' ratios. hello-world's rate drifts during a run (it rose from 188 to 213 req/s in one); a
 * ratio to one figure taken minutes earlier moved by as much as the change it was meant to show.
 */
async function pairedRate(n, op, inflight = 1) {
	const rates = [];
	const ratios = [];
	const rounds = [];
	for (let r = 0; r < ROUNDS; r++) {
		const round = (f) => (inflight === 1 ? seqRound(n, f) : parallelRound(n, inflight, f));
		const hello = await round(helloOp);
		(inflight === 1 ? helloRates.seq : helloRates.par).push(hello);
		const rate = await round(op);
		rates.push(rate);
		ratios.push(rate / hello);
		rounds.push(`${pct1(rate / hello)} (${fmt(rate)} against ${fmt(hello)} req/s)`);
	}
	return { rate: median(rates), ratio: median(ratios), rounds };
}

const rows = [];
function row(name, value, unit) {
	rows.push({ name, value, unit, ratio: undefined });
}
/** A rate measured with pairedRate: its ratio is to the hello-world rounds beside it. */
function pairedRow(name, measured, unit) {
	rows.push({ name, value: measured.rate, unit, ratio: measured.ratio });
}

// Warm up both workers, and wrangler's proxy in front of them: for its first few hundred requests the
// hello-world worker ran at two thirds of its later rate, which flattered every ratio below.
for (let i = 0; i < (QUICK ? 100 : 400); i++) {
	await target.fetch("http://hello.bench/").then((r) => r.text());
	await req("GET", "/_matrix/client/versions");
}
const notes = [];
if (!EXPORT_ONLY && !FEDERATION_ONLY) await generalBench();
const harnessEnv = await server.getWorker().getEnv();
if (!QUICK && !FEDERATION_ONLY && !CLIENT_ONLY) await exportBench({ server: target, req, register, row, notes, authority, db: harnessEnv.DB, env: harnessEnv, events: EXPORT_EVENTS });
await server.close();
// Two servers of their own, after the harness is closed so they do not share the CPU with it.
if (!EXPORT_ONLY && !CLIENT_ONLY) await federationBench({ row, notes, quick: QUICK, median, pct });

// The Client-Server figures need registration, rooms, send and sync.
async function register(name) {
	const first = await req("POST", "/_matrix/client/v3/register", { username: name, password: `pw-${name}-0123456789` });
	if (first.status !== 401) return undefined;
	const done = await req("POST", "/_matrix/client/v3/register", { username: name, password: `pw-${name}-0123456789`, auth: { type: "m.login.dummy", session: first.json.session } });
	return done.status === 200 ? done.json : undefined;
}

async function generalBench() {
pairedRow("GET /_matrix/client/versions", await pairedRate(N, () => req("GET", "/_matrix/client/versions")), "req/s");
pairedRow("GET /_matrix/key/v2/server (signs)", await pairedRate(N, () => req("GET", "/_matrix/key/v2/server")), "req/s");

const alice = await register("alice");
const bob = alice && (await register("bob"));
if (!alice || !bob) notes.push("registration not available: Client-Server figures skipped");
else {
	pairedRow("GET /account/whoami (token auth)", await pairedRate(N, () => req("GET", "/_matrix/client/v3/account/whoami", undefined, alice.access_token)), "req/s");
	const createRoom = async (owner, invite) => (await req("POST", "/_matrix/client/v3/createRoom", { preset: "private_chat", invite }, owner.access_token)).json.room_id;
	const room = await createRoom(alice, [bob.user_id]);
	if (!room) notes.push("createRoom not available: room figures skipped");
	else {
		await req("POST", `/_matrix/client/v3/join/${encodeURIComponent(room)}`, {}, bob.access_token);
		let txn = 0;
		const send = (roomId, token = alice.access_token) =>
			req("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/t${txn++}`, { algorithm: "m.megolm.v1.aes-sha2", ciphertext: `c${txn}`, device_id: "BENCH", sender_key: "k", session_id: "s" }, token);
		const sentIds = [];
		const recordSend = async (roomId) => {
			const r = await send(roomId);
			if (r.status === 200) sentIds.push(r.json.event_id);
		};
		const sequential = await pairedRate(N, () => recordSend(room));
		pairedRow("send, sequential, one room", sequential, "sends/s");
		// Its target sits at the edge of the rounds' spread, which comes mostly from hello-world's own rate.
		notes.push(`send, sequential, one room: each round's ratio to the hello-world round just before it: ${sequential.rounds.join(", ")}`);
		pairedRow("send, 8 in flight, one room", await pairedRate(N, () => recordSend(room), 8), "sends/s");
		const rooms = [];
		for (let i = 0; i < 8; i++) rooms.push(await createRoom(alice, []));
		pairedRow("send, 8 in flight, across 8 rooms", await pairedRate(N, (i) => send(rooms[i % 8]), 8), "sends/s");

		// Lost or duplicated: page /messages backwards over the whole room and compare with what was acknowledged.
		const seen = new Map();
		let from;
		for (let page = 0; page < 10_000; page++) {
			const q = new URLSearchParams({ dir: "b", limit: "1000", ...(from ? { from } : {}) });
			const r = await req("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?${q}`, undefined, alice.access_token);
			if (r.status !== 200) {
				notes.push(`/messages answered ${r.status}: loss check skipped`);
				break;
			}
			for (const e of r.json.chunk) seen.set(e.event_id, (seen.get(e.event_id) ?? 0) + 1);
			if (!r.json.end || r.json.chunk.length === 0) break;
			from = r.json.end;
		}
		if (seen.size > 0) {
			const lost = sentIds.filter((id) => !seen.has(id)).length;
			const dup = [...seen.values()].filter((c) => c > 1).length;
			row("acknowledged sends lost", lost, "events");
			row("events duplicated in /messages", dup, "events");
		}

		// send -> other user's long-poll /sync latency.
		const initial = await req("GET", "/_matrix/client/v3/sync?timeout=0", undefined, bob.access_token);
		if (initial.status === 200) {
			let since = initial.json.next_batch;
			// ROUNDS rounds of 50 sends, each right after 50 sequential hello-world requests: a noisy spell of the
			// machine shows as one slow round (and a slow hello-world beside it) instead of deciding the figure.
			const lat = [];
			const acks = [];
			const perRound = [];
			for (let round = 0; round < ROUNDS; round++) {
				const hello = [];
				for (let i = 0; i < (QUICK ? 10 : 50); i++) {
					const t0 = performance.now();
					await helloOp();
					hello.push(performance.now() - t0);
				}
				const mine = [];
				for (let i = 0; i < (QUICK ? 10 : 50); i++) {
					const poll = () => req("GET", `/_matrix/client/v3/sync?timeout=10000&since=${encodeURIComponent(since)}`, undefined, bob.access_token);
					const { ms, ackMs, body } = await sendToWokenSync(poll, () => send(room), (b, sent) => syncShows(b.json, room, sent.json?.event_id));
					mine.push(ms);
					acks.push(ackMs);
					since = body.json.next_batch;
				}
				lat.push(...mine);
				perRound.push(`${median(mine).toFixed(1)} (hello-world ${median(hello).toFixed(1)})`);
			}
			row("send -> long-poll /sync, p50", median(lat), "ms");
			row("send -> long-poll /sync, p95", pct(lat, 95), "ms");
			notes.push(`send -> long-poll /sync over ${lat.length} sends; each round's p50, beside the p50 of as many hello-world requests just before it: ${perRound.join(", ")} ms`);
			// The figure ends at whichever comes last, the send's own answer or the poll's.
			notes.push(`send -> long-poll /sync: the send's own answer in the same loop took p50 ${median(acks).toFixed(1)} ms`);
			const empties = [];
			for (let i = 0; i < (QUICK ? 10 : 50); i++) {
				const t0 = performance.now();
				const r = await req("GET", `/_matrix/client/v3/sync?timeout=0&since=${encodeURIComponent(since)}`, undefined, bob.access_token);
				empties.push(performance.now() - t0);
				since = r.json.next_batch ?? since;
			}
			row("empty incremental /sync", median(empties), "ms");
			// Initial sync of a user in 50 rooms.
			const carol = await register("carol");
			for (let i = 0; i < 50; i++) await createRoom(carol, []);
			const inits = [];
			for (let i = 0; i < (QUICK ? 6 : 11); i++) {
				const t0 = performance.now();
				await req("GET", "/_matrix/client/v3/sync?timeout=0", undefined, carol.access_token);
				inits.push(performance.now() - t0);
			}
			// The first one finds nothing remembered (user/sync/initial-slice-cache.ts, room/sync-slice-cache.ts).
			row("initial /sync, 50 rooms, first (nothing cached)", inits[0], "ms");
			row("initial /sync, 50 rooms", median(inits.slice(1)), "ms");
			notes.push(`initial /sync, 50 rooms, each in turn: ${inits.map((t) => t.toFixed(0)).join(", ")} ms`);
		} else notes.push("/sync not available: sync figures skipped");
	}
}
// hello-world's rows lead the table: the medians of all its rounds, with their spread as a note.
const spread = (xs) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} req/s over ${xs.length} rounds`;
rows.unshift(
	{ name: "hello-world GET, sequential", value: median(helloRates.seq), unit: "req/s", ratio: undefined },
	{ name: "hello-world GET, 8 in flight", value: median(helloRates.par), unit: "req/s", ratio: undefined },
);
notes.push(`hello-world GET, each round (measured right before the rate beside it): sequential ${spread(helloRates.seq)}; 8 in flight ${spread(helloRates.par)}`);
}

console.log(`\nsealbridge bench (${QUICK ? "quick" : `${ROUNDS} rounds, n=${N}`}), ${new Date().toISOString()}, node ${process.version}, requests ${VIA_DEV_PROXY ? "through wrangler's dev proxy" : "straight to the workers"}`);
console.log("| measure | value | unit | ratio to hello-world |\n|---|---:|---|---:|");
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.value, r.unit === "ms" || r.unit === "txns/s" ? 1 : 0)} | ${r.unit} | ${r.ratio === undefined ? "" : pct1(r.ratio)} |`);
for (const n of notes) console.log(`note: ${n}`);
