#!/usr/bin/env node
// A CPU profile of message sends, taken through the worker's own V8 inspector: where a send's time goes
// inside workerd, per function. Not a test and not the bench; a tool for whoever works on speed.
import { writeFileSync } from "node:fs";

const HELP = `Usage: node_modules/.bin/node scripts/profile-sends.mjs --inspector ws://127.0.0.1:PORT/core:user:sealbridge --server http://127.0.0.1:PORT [--sends N] [--out FILE.cpuprofile]

Registers a user on a running sealbridge (ENABLE_REGISTRATION=true), creates a room, sends 20 warm-up
messages, then profiles N (default 100) sequential sends and prints self time per function per send and
the callers of SqlStorage exec (SQLite work, including the previous commit's WAL write) and getByName.
The inspector is the user worker's own, not npm start's INSPECTOR_PORT (that one is wrangler's proxy and
refuses other clients): find the workerd child of wrangler that does not listen on PORT
(pgrep -P <wrangler pid>; ss -ltnp | grep pid=<it>) and the port whose /json lists core:user:sealbridge.
workerd answers Profiler.* with echo messages, and only once the isolate runs again; the sampler's interval
cannot be set. The first connection after a server starts may go unanswered: the tool says so after 30 s,
and a second run works. It needs Node 24's WebSocket (node_modules/.bin/node; the machine's Node 20 has
none). Profiling slows sends down, so compare the shares, not the totals. --out also writes the raw
profile (Chrome DevTools' .cpuprofile format) for a closer look. --with-sync makes a second member
long-poll /sync during each send (20 ms after the poll, as the bench does), to profile the send -> /sync path.`;
const arg = (name) => { const i = process.argv.indexOf(name); return i < 0 ? undefined : process.argv[i + 1]; };
if (process.argv.includes("--help") || process.argv.includes("-h") || !arg("--inspector") || !arg("--server")) {
	console.log(HELP);
	process.exit(process.argv.includes("--help") || process.argv.includes("-h") ? 0 : 2);
}
const HS = arg("--server");
const n = Math.max(1, Math.min(10_000, Number(arg("--sends") ?? 100) || 100));

async function req(method, path, body, token) {
	const headers = { "content-type": "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	const r = await fetch(HS + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: r.status, json: await r.json().catch(() => null) };
}
async function register(username) {
	const first = await req("POST", "/_matrix/client/v3/register", { username, password: "profile-password-0123" });
	const made = (await req("POST", "/_matrix/client/v3/register", { username, password: "profile-password-0123", auth: { type: "m.login.dummy", session: first.json?.session } })).json;
	if (!made?.access_token) throw new Error("registration failed: start the server with ENABLE_REGISTRATION=true");
	return made;
}
const name = `profile${Date.now()}`;
const user = await register(name);
// --with-sync: a second member long-polls /sync during every send, as in the bench's send -> /sync figure.
const WITH_SYNC = process.argv.includes("--with-sync");
const other = WITH_SYNC ? await register(`${name}b`) : null;
const room = (await req("POST", "/_matrix/client/v3/createRoom", { preset: "private_chat", ...(other ? { invite: [other.user_id] } : {}) }, user.access_token)).json.room_id;
if (other) await req("POST", `/_matrix/client/v3/join/${encodeURIComponent(room)}`, {}, other.access_token);
const content = { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "c", device_id: "D", sender_key: "k", session_id: "s" };
const sendOnly = (i) => req("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.encrypted/p${i}`, content, user.access_token);
let since = other ? (await req("GET", "/_matrix/client/v3/sync?timeout=0", undefined, other.access_token)).json.next_batch : null;
/** One send; with --with-sync it returns once the other member's long-poll has answered too. */
async function send(i) {
	if (!other) return sendOnly(i);
	const poll = req("GET", `/_matrix/client/v3/sync?timeout=10000&since=${encodeURIComponent(since)}`, undefined, other.access_token);
	await new Promise((r) => setTimeout(r, 20)); // let the long-poll park first
	await sendOnly(i);
	since = (await poll).json.next_batch;
}
for (let i = 0; i < 20; i++) await send(`w${i}`);

const ws = new WebSocket(arg("--inspector"));
await new Promise((ok, fail) => {
	ws.addEventListener("open", ok);
	ws.addEventListener("error", () => fail(new Error("inspector connection failed (is it the user worker's own inspector?)")));
});
let id = 0;
const pending = new Map();
ws.addEventListener("message", (m) => {
	const d = JSON.parse(m.data);
	if (d.id && pending.has(d.id)) pending.get(d.id)(d.result), pending.delete(d.id);
});
const call = (method, params = {}) => new Promise((ok) => { const i = ++id; pending.set(i, ok); ws.send(JSON.stringify({ id: i, method, params })); });
/** workerd reads inspector messages when the isolate next runs, so a cheap request goes along until `answer` settles. */
async function withKick(answer, what) {
	let settled = false;
	answer.then(() => (settled = true));
	// The first connection after a server starts can go unanswered for a while: keep kicking, up to a deadline.
	const deadline = Date.now() + 30_000;
	while (!settled && Date.now() < deadline) await req("GET", "/_matrix/client/versions");
	if (!settled) {
		console.error(`the inspector did not answer ${what} within 30 s: run the tool once more (a second connection is answered)`);
		process.exit(1);
	}
	return answer;
}
await withKick(Promise.all([call("Profiler.enable"), call("Profiler.start")]), "Profiler.start");
const t0 = performance.now();
for (let i = 0; i < n; i++) await send(i);
const wall = performance.now() - t0;
const { profile } = await withKick(call("Profiler.stop"), "Profiler.stop");
ws.close();
if (arg("--out")) writeFileSync(arg("--out"), JSON.stringify(profile));

const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const parent = new Map();
for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const hits = new Map();
for (let i = 0; i < profile.samples.length; i++) hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
const label = (cf) => `${cf.functionName || "(anonymous)"} ${(cf.url || "").split("/").slice(-1)[0]}:${cf.lineNumber}`;
const self = new Map();
let total = 0;
let idle = 0;
for (const [nid, t] of hits) {
	const cf = byId.get(nid).callFrame;
	self.set(label(cf), (self.get(label(cf)) ?? 0) + t);
	total += t;
	if (cf.functionName === "(idle)") idle += t;
}
const perSend = (us) => (us / 1000 / n).toFixed(3).padStart(7);
console.log(`${n} sends in ${wall.toFixed(0)} ms while profiled (${(wall / n).toFixed(1)} ms each); busy ${perSend(total - idle).trim()} ms per send`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(perSend(v), "ms/send", k);
for (const fn of ["exec", "getByName"]) {
	const callers = new Map();
	for (const [nid, t] of hits) {
		if (byId.get(nid).callFrame.functionName !== fn) continue;
		const chain = [];
		for (let p = byId.get(parent.get(nid)); p && chain.length < 3; p = byId.get(parent.get(p.id))) chain.push(`${p.callFrame.functionName || "anonymous"}:${p.callFrame.lineNumber}`);
		callers.set(chain.join(" < "), (callers.get(chain.join(" < ")) ?? 0) + t);
	}
	console.log(`callers of ${fn}:`);
	for (const [k, v] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(perSend(v), k);
}
