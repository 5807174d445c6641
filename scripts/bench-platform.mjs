#!/usr/bin/env node
// `npm run bench:platform`: what the platform's pieces cost by themselves on this machine, so sealbridge's
// figures can be read against them: a request to a trivial worker, a Durable Object call, a read, a write
// (whose reply waits for the commit to be durable), a SHA-256. Not a test: it prints figures.
import { createTestHarness } from "wrangler";
import { quietWrangler } from "./bench/harness.mjs";

const HELP = `Usage: npm run bench:platform [-- --rounds N]

Starts a worker with one SQLite-backed Durable Object (bench/do-calls, wrangler's test harness, 127.0.0.1, straight
to the worker) and prints, as medians over N alternating rounds (default 6):
  - per request: a request that makes no call, and one that makes exactly one call of each kind;
  - per call: 1,000 sequential calls of each kind inside one request.
Kinds: nothing (the call alone), read (one SELECT), read3 (three), readInTransaction (a SELECT inside
transactionSync), write (one INSERT OR REPLACE: the reply waits for the commit), sha256 (crypto.subtle).`;
if (process.argv.includes("--help") || process.argv.includes("-h")) {
	console.log(HELP);
	process.exit(0);
}
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = Math.max(1, Math.min(50, roundsArg < 0 ? 6 : Number(process.argv[roundsArg + 1]) || 6));
quietWrangler();

const KINDS = ["nothing", "read", "read3", "readInTransaction", "write", "sha256"];
const REQUESTS = 300;
const CALLS = 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = createTestHarness({ workers: [{ configPath: "./bench/do-calls/wrangler.toml" }] });
await server.listen();
try {
	const worker = server.getWorker();
	const get = async (path) => {
		const res = await worker.fetch(`http://localhost${path}`);
		if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
		await res.text();
	};
	const timed = async (n, f) => {
		const t0 = performance.now();
		for (let i = 0; i < n; i++) await f();
		return (performance.now() - t0) / n;
	};
	const perRequest = { "no call": [] };
	const perCall = {};
	for (const k of KINDS) (perRequest[k] = []), (perCall[k] = []);
	for (let i = 0; i < 200; i++) await get("/call?op=nothing"); // warm-up
	for (let r = 0; r < ROUNDS; r++) {
		const order = r % 2 === 0 ? KINDS : [...KINDS].reverse();
		perRequest["no call"].push(await timed(REQUESTS, () => get("/")));
		for (const k of order) perRequest[k].push(await timed(REQUESTS, () => get(`/call?op=${k}`)));
		for (const k of order) perCall[k].push(await timed(1, () => get(`/calls?op=${k}&n=${CALLS}`)) / CALLS);
	}
	console.log(`\nplatform floor (${ROUNDS} rounds), ${new Date().toISOString()}, node ${process.version}, straight to the worker`);
	console.log("| measure | ms per request | ms per call in a loop |\n|---|---:|---:|");
	console.log(`| request, no Durable Object call | ${median(perRequest["no call"]).toFixed(2)} | |`);
	for (const k of KINDS) console.log(`| one call: ${k} | ${median(perRequest[k]).toFixed(2)} | ${median(perCall[k]).toFixed(3)} |`);
} finally {
	await server.close();
}
