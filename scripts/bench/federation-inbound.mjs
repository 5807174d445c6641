// The inbound-transaction figure of `npm run bench` (issue 4 "Benchmark"): how many transactions of 50 PDUs
// one server processes per second. The bench holds hs1's signing key (it starts hs1 with SIGNING_KEY), so it
// can act as hs1: it builds real PDUs of a room hs2 holds (alice's messages, each extending the last, v11
// format, content hash, signature), and PUTs them to hs2's /_matrix/federation/v1/send with X-Matrix auth.
// Bounded in transactions and time.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid,
// https://spec.matrix.org/latest/server-server-api/#request-authentication,
// https://spec.matrix.org/latest/rooms/v11/#event-format
import { createHash, createPrivateKey, randomBytes, sign } from "node:crypto";

const PDUS_PER_TXN = 50;
/** The whole loop stops after this long; the figure then counts what was done. */
const BUDGET_MS = 60_000;
/** PKCS#8 prefix of a raw 32-byte Ed25519 seed. */
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");

/** A signing key for hs1 as SIGNING_KEY takes it, and the means to sign with it. */
export function benchSigningKey() {
	const seed = randomBytes(32);
	const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: "der", type: "pkcs8" });
	return { keyId: "ed25519:bench", setting: `ed25519 bench ${seed.toString("base64").replace(/=+$/, "")}`, sign: (bytes) => sign(null, bytes, key) };
}

function canonical(value) {
	if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
	if (value !== null && typeof value === "object") {
		return `{${Object.keys(value)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
			.join(",")}}`;
	}
	return JSON.stringify(value);
}

const b64 = (buf) => buf.toString("base64").replace(/=+$/, "");
const b64url = (buf) => b64(buf).replace(/\+/g, "-").replace(/\//g, "_");
const sha256 = (text) => createHash("sha256").update(text, "utf8").digest();

/** A v11 message PDU from `origin`, hashed and signed; returns it with its event ID. */
function buildPdu(origin, key, fields) {
	const event = { ...fields };
	event.hashes = { sha256: b64(sha256(canonical(event))) };
	// v11 redaction of a non-state event keeps every top-level key built here but empties the content.
	const redacted = { ...event, content: {} };
	const bytes = canonical(redacted);
	event.signatures = { [origin]: { [key.keyId]: b64(key.sign(Buffer.from(bytes, "utf8"))) } };
	return { pdu: event, eventId: `$${b64url(sha256(bytes))}` };
}

/** A federation request from `origin` to `server`, signed with X-Matrix. */
async function federationCall(server, origin, key, method, uri, content) {
	const request = { method, uri, origin, destination: server.serverName, ...(content === undefined ? {} : { content }) };
	const sig = b64(key.sign(Buffer.from(canonical(request), "utf8")));
	const res = await fetch(server.baseUrl + uri, {
		method,
		headers: {
			authorization: `X-Matrix origin="${origin}",destination="${server.serverName}",key="${key.keyId}",sig="${sig}"`,
			...(content === undefined ? {} : { "content-type": "application/json" }),
		},
		body: content === undefined ? undefined : JSON.stringify(content),
	});
	return { status: res.status, json: await res.json().catch(() => ({})) };
}

/**
 * Transactions of 50 of `sender`'s messages from `origin` (whose key is `key`) to `server`, one after the
 * other, each PDU's prev event the one before it. `call` is the bench's client call, `who` a member on
 * `server` who can read the room's state and timeline. Returns { txns, pdus, seconds, errors }.
 */
export async function inboundTransactions({ server, origin, key, sender, roomId, who, call, transactions }) {
	const room = encodeURIComponent(roomId);
	const state = await call(server, who.access_token, "GET", `/_matrix/client/v3/rooms/${room}/state`);
	const idOf = (type, stateKey) => state.json.find?.((e) => e.type === type && e.state_key === stateKey)?.event_id;
	const authEvents = [idOf("m.room.create", ""), idOf("m.room.power_levels", ""), idOf("m.room.member", sender)];
	const last = await call(server, who.access_token, "GET", `/_matrix/client/v3/rooms/${room}/messages?dir=b&limit=1`);
	let prev = last.json.chunk?.[0]?.event_id;
	if (authEvents.some((id) => id === undefined) || prev === undefined) throw new Error("inbound transactions: room state not readable on hs2");
	// The newest event's depth, asked for by room (/backfill from it, limit 1): GET /event finds an event through
	// the D1 event index, which may trail a fresh event by up to half a second (room/event-index.ts).
	const head = await federationCall(server, origin, key, "GET", `/_matrix/federation/v1/backfill/${room}?v=${encodeURIComponent(prev)}&limit=1`);
	let depth = head.json.pdus?.[0]?.depth;
	if (typeof depth !== "number") throw new Error(`inbound transactions: /backfill answered ${head.status}`);

	const run = b64url(randomBytes(6));
	const errors = new Set();
	const t0 = performance.now();
	let txns = 0;
	let pdus = 0;
	for (; txns < transactions && performance.now() - t0 < BUDGET_MS; txns++) {
		const batch = [];
		for (let i = 0; i < PDUS_PER_TXN; i++) {
			const built = buildPdu(origin, key, {
				auth_events: authEvents,
				content: { algorithm: "m.megolm.v1.aes-sha2", ciphertext: `in-${run}-${txns}-${i}`, device_id: "BENCH", sender_key: "k", session_id: "s" },
				depth: ++depth,
				origin_server_ts: Date.now(),
				prev_events: [prev],
				room_id: roomId,
				sender,
				type: "m.room.encrypted",
			});
			batch.push(built.pdu);
			prev = built.eventId;
		}
		const r = await federationCall(server, origin, key, "PUT", `/_matrix/federation/v1/send/bench-${run}-${txns}`, { origin, origin_server_ts: Date.now(), pdus: batch, edus: [] });
		if (r.status !== 200) {
			errors.add(`status ${r.status} ${r.json.errcode ?? ""}`);
			break;
		}
		for (const result of Object.values(r.json.pdus ?? {})) if (result.error) errors.add(result.error);
		pdus += Object.values(r.json.pdus ?? {}).filter((result) => !result.error).length;
	}
	return { txns, pdus, seconds: (performance.now() - t0) / 1000, errors: [...errors] };
}
