// The federation figures of `npm run bench` (issue 4 "Benchmark"): two whole servers by the run contract
// (`node scripts/start.mjs`, FEDERATION_INSECURE_LOOPBACK over 127.0.0.1), alice@hs1 and bob@hs2 in one
// room. Delivery latency: alice's send on hs1 -> the event in bob's long-poll /sync on hs2, p50/p95 over a
// bounded number of messages, one at a time. Burst throughput: BURST sends with 8 in flight on hs1, timed
// until the last one is in bob's /sync on hs2; then lost/duplicated across servers from hs2's /messages.
// Every loop is bounded in count and time; the servers and their temporary state are removed afterwards.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchSigningKey, inboundTransactions } from "./federation-inbound.mjs";

const START_BUDGET_MS = 90_000;
/** The whole burst must arrive within this; the figure then says how many did. */
const ARRIVAL_BUDGET_MS = 120_000;
/** Each single message must arrive within this, or the latency loop stops. */
const ONE_MESSAGE_BUDGET_MS = 20_000;
/** bob's /sync shows every timeline event, so neither a burst nor a slow poll hides one behind `limited`. */
const FILTER = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 1000 }, state: { lazy_load_members: true } }, presence: { types: [] } }));

function freePort() {
	return new Promise((ok, fail) => {
		const srv = createServer();
		srv.once("error", fail);
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address();
			srv.close(() => ok(port));
		});
	});
}

/** One server by the run contract in its own process group, with its own port, name and state. */
async function startServer(label, extraEnv = {}) {
	const port = await freePort();
	const stateDir = mkdtempSync(join(tmpdir(), `sealbridge-bench-${label}-`));
	const root = resolve(".");
	const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
		cwd: root,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...process.env,
			PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
			PORT: String(port),
			SERVER_NAME: `127.0.0.1:${port}`,
			STATE_DIR: stateDir,
			FEDERATION_INSECURE_LOOPBACK: "true",
			// Discovery of anything but these loopback servers fails at once (a closed port).
			FEDERATION_DOH_URL: "http://127.0.0.1:9/dns-query",
			ENABLE_REGISTRATION: "true",
			// The figures measure delivery, not the rate limiter.
			RATE_LIMIT_PERCENT: "0",
			LOG_LEVEL: "error",
			...extraEnv,
		},
	});
	let output = "";
	child.stdout.on("data", (d) => (output += d));
	child.stderr.on("data", (d) => (output += d));
	const server = {
		baseUrl: `http://127.0.0.1:${port}`,
		serverName: `127.0.0.1:${port}`,
		stop: () =>
			new Promise((ok) => {
				const done = () => {
					rmSync(stateDir, { recursive: true, force: true });
					ok();
				};
				if (child.exitCode !== null) return done();
				const timer = setTimeout(() => {
					try {
						process.kill(-child.pid, "SIGKILL");
					} catch {}
				}, 5_000);
				child.once("exit", () => {
					clearTimeout(timer);
					done();
				});
				try {
					process.kill(-child.pid, "SIGTERM");
				} catch {
					done();
				}
			}),
	};
	const deadline = Date.now() + START_BUDGET_MS;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`federation bench: ${label} exited early:\n${output.slice(-2000)}`);
		try {
			if ((await fetch(`${server.baseUrl}/_matrix/client/versions`, { signal: AbortSignal.timeout(2_000) })).ok) return server;
		} catch {}
		if (Date.now() > deadline) {
			await server.stop();
			throw new Error(`federation bench: ${label} did not answer within ${START_BUDGET_MS / 1000} s`);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
}

async function call(server, token, method, path, body) {
	const headers = { "content-type": "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	const res = await fetch(server.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: res.status, json: await res.json().catch(() => ({})) };
}

async function register(server, name) {
	const password = `pw-${name}-0123456789`;
	const first = await call(server, null, "POST", "/_matrix/client/v3/register", { username: name, password });
	const done = await call(server, null, "POST", "/_matrix/client/v3/register", { username: name, password, auth: { type: "m.login.dummy", session: first.json.session } });
	if (done.status !== 200) throw new Error(`federation bench: register ${name} answered ${done.status}`);
	return done.json;
}

/**
 * `who`'s /sync on `server` from `since`, long-polling until every event ID in `wanted` was in `roomId`'s
 * timeline or `deadline` passed. Calls `onSeen(eventId)` once per first sighting; counts repeats.
 */
async function syncUntil(server, who, since, roomId, wanted, deadline, onSeen = () => {}) {
	const seen = new Map();
	let next = since;
	while ([...wanted].some((id) => !seen.has(id)) && performance.now() < deadline) {
		const wait = Math.max(0, Math.min(10_000, Math.floor(deadline - performance.now())));
		const r = await call(server, who.access_token, "GET", `/_matrix/client/v3/sync?timeout=${wait}&filter=${FILTER}&since=${encodeURIComponent(next)}`);
		if (r.status !== 200) break;
		next = r.json.next_batch;
		for (const e of r.json.rooms?.join?.[roomId]?.timeline?.events ?? []) {
			if (!seen.has(e.event_id)) onSeen(e.event_id);
			seen.set(e.event_id, (seen.get(e.event_id) ?? 0) + 1);
		}
	}
	return { seen, next };
}

/** Adds the federation rows through `row` (name, value, unit); problems go to `notes`. */
export async function federationBench({ row, notes, quick, median, pct }) {
	const MESSAGES = quick ? 20 : 200;
	const BURST = quick ? 50 : 200;
	const servers = [];
	try {
		// The bench holds hs1's key, so it can also send hs2 transactions as hs1 (the inbound figure).
		const hs1Key = benchSigningKey();
		const started = await Promise.allSettled([startServer("hs1", { SIGNING_KEY: hs1Key.setting }), startServer("hs2")]);
		for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
		for (const s of started) if (s.status === "rejected") throw s.reason;
		const [hs1, hs2] = servers;
		const [alice, bob] = await Promise.all([register(hs1, "alice"), register(hs2, "bob")]);
		const created = await call(hs1, alice.access_token, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat" });
		const roomId = created.json.room_id;
		const joined = await call(hs2, bob.access_token, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?via=${encodeURIComponent(hs1.serverName)}`, {});
		if (created.status !== 200 || joined.status !== 200) {
			notes.push(`federation: createRoom ${created.status}, remote join ${joined.status}: federation figures skipped`);
			return;
		}
		let txn = 0;
		// Opaque Megolm-shaped content, as an encrypted room carries.
		const send = async () => {
			const r = await call(hs1, alice.access_token, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/f${txn++}`, {
				algorithm: "m.megolm.v1.aes-sha2",
				ciphertext: `c${txn}`,
				device_id: "BENCH",
				sender_key: "k",
				session_id: "s",
			});
			return r.status === 200 ? r.json.event_id : undefined;
		};
		let since = (await call(hs2, bob.access_token, "GET", `/_matrix/client/v3/sync?timeout=0&filter=${FILTER}`)).json.next_batch;
		// Warm-up: the first messages pay for key fetches and connection setup.
		for (let i = 0; i < 3; i++) {
			const id = await send();
			({ next: since } = await syncUntil(hs2, bob, since, roomId, new Set([id]), performance.now() + ONE_MESSAGE_BUDGET_MS));
		}

		const sent = [];
		const latencies = [];
		for (let i = 0; i < MESSAGES; i++) {
			const t0 = performance.now();
			let arrived;
			const id = await send();
			if (id === undefined) break;
			sent.push(id);
			const got = await syncUntil(hs2, bob, since, roomId, new Set([id]), t0 + ONE_MESSAGE_BUDGET_MS, () => (arrived = performance.now()));
			since = got.next;
			if (arrived === undefined) {
				notes.push(`federation: message ${i + 1} did not reach hs2 within ${ONE_MESSAGE_BUDGET_MS / 1000} s; latency loop stopped`);
				break;
			}
			latencies.push(arrived - t0);
		}
		if (latencies.length > 0) {
			row(`federation: send on hs1 -> hs2 long-poll /sync, p50 (${latencies.length} msgs)`, median(latencies), "ms");
			row(`federation: send on hs1 -> hs2 long-poll /sync, p95 (${latencies.length} msgs)`, pct(latencies, 95), "ms");
		}

		// Burst: 8 sends in flight on hs1; timed from the first send to the last arrival in bob's /sync.
		const burst = [];
		const t0 = performance.now();
		const watching = (async () => {
			// Wait for the sends to be acknowledged before knowing every ID; watch what arrives meanwhile.
			const arrivals = new Map();
			let next = since;
			const deadline = t0 + ARRIVAL_BUDGET_MS;
			while (performance.now() < deadline && (burst.length < BURST || burst.some((id) => !arrivals.has(id)))) {
				const r = await call(hs2, bob.access_token, "GET", `/_matrix/client/v3/sync?timeout=2000&filter=${FILTER}&since=${encodeURIComponent(next)}`);
				if (r.status !== 200) break;
				next = r.json.next_batch;
				for (const e of r.json.rooms?.join?.[roomId]?.timeline?.events ?? []) if (!arrivals.has(e.event_id)) arrivals.set(e.event_id, performance.now());
			}
			return arrivals;
		})();
		let n = 0;
		await Promise.all(
			Array.from({ length: 8 }, async () => {
				while (n < BURST) {
					n++;
					const id = await send();
					if (id !== undefined) burst.push(id);
				}
			}),
		);
		const acked = performance.now();
		const arrivals = await watching;
		const delivered = burst.filter((id) => arrivals.has(id));
		const lastArrival = Math.max(...delivered.map((id) => arrivals.get(id)));
		row(`federation: burst of ${BURST} sends (8 in flight) acknowledged on hs1`, burst.length / ((acked - t0) / 1000), "sends/s");
		if (delivered.length > 0) row(`federation: burst delivered to hs2's /sync (${delivered.length}/${burst.length})`, delivered.length / ((lastArrival - t0) / 1000), "events/s");

		// Lost or duplicated across servers: every acknowledged send, once, in hs2's /messages.
		const onHs2 = new Map();
		let from;
		for (let page = 0; page < 100; page++) {
			const q = new URLSearchParams({ dir: "b", limit: "1000", ...(from ? { from } : {}) });
			const r = await call(hs2, bob.access_token, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${q}`);
			if (r.status !== 200) break;
			for (const e of r.json.chunk) onHs2.set(e.event_id, (onHs2.get(e.event_id) ?? 0) + 1);
			if (!r.json.end || r.json.chunk.length === 0) break;
			from = r.json.end;
		}
		const all = [...sent, ...burst];
		row("federation: acknowledged sends missing on hs2", all.filter((id) => !onHs2.has(id)).length, "events");
		row("federation: events duplicated in hs2's /messages", [...onHs2.values()].filter((c) => c > 1).length, "events");

		// Inbound: transactions of 50 of alice's PDUs, built and signed as hs1, PUT to hs2 one after the other.
		const inbound = await inboundTransactions({ server: hs2, origin: hs1.serverName, key: hs1Key, sender: alice.user_id, roomId, who: bob, call, transactions: quick ? 4 : 20 });
		if (inbound.txns > 0) {
			row(`federation: inbound transactions of 50 PDUs processed by hs2 (${inbound.txns} txns)`, inbound.txns / inbound.seconds, "txns/s");
			row("federation: inbound PDUs accepted by hs2", inbound.pdus / inbound.seconds, "PDUs/s");
		}
		if (inbound.errors.length > 0) notes.push(`federation inbound: ${inbound.errors.slice(0, 3).join("; ")}`);
	} catch (err) {
		notes.push(`federation figures skipped: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
	} finally {
		await Promise.all(servers.map((s) => s.stop()));
	}
}
