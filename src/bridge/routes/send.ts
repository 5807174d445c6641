// PUT /_matrix/federation/v1/send/{txnId}: a transaction of PDUs and EDUs from the origin.
// Dedupe on (origin, txnId), limits, per-PDU checks (bridge/inbound/*), one result per PDU.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid,
// https://spec.matrix.org/latest/server-server-api/#transactions

import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import type { Context } from "hono";
import { readRequestJson } from "../auth/request-body";
import { federationPortFor } from "../client/federation-client";
import { handleEdus } from "../edu/dispatch";
import { receivePdus } from "../inbound/receive-pdus";
import { remoteSourceFor } from "../inbound/remote-source";
import { keyRingFor } from "../keys/key-ring";

/** "A transaction ... is limited to 50 PDUs and 100 EDUs." */
export const MAX_PDUS = 50;
export const MAX_EDUS = 100;
/** 50 PDUs at the 64 KiB event limit, plus room for 100 EDUs. */
const MAX_TXN_BYTES = 8 * 1024 * 1024;
/** Fetching missing events for one transaction stops after this long; the sender retries what failed. */
const FETCH_BUDGET_MS = 20_000;

async function handler(c: Context<AppEnv>): Promise<Response> {
	const origin = c.get("origin");
	const txnId = c.req.param("txnId") ?? "";
	// The origin's DestinationDO holds the answers we gave it, and learns that the origin is up: what we
	// queued for it need not wait out its backoff (it may be retrying this very transaction because it
	// missed our answer, so the wake-up comes with the dedupe, before it).
	const peer = c.env.DESTINATION.getByName(origin);
	const done = await peer.inboundTxnAnswer(txnId);
	// A retry gets the first answer, and nothing is processed twice.
	if (done !== null) return c.body(done, 200, { "content-type": "application/json" });

	try {
		const response = await processTransaction(c, origin);
		// Durable before the answer leaves: a retry must get this answer, not a second processing.
		await peer.rememberInboundTxn(txnId, response);
		return c.body(response, 200, { "content-type": "application/json" });
	} catch (err) {
		// Nothing was answered: a duplicate waiting on this claim may process the transaction itself.
		await peer.abandonInboundTxn(txnId).catch(() => undefined);
		throw err;
	}
}

/** Checks and applies one transaction's PDUs and EDUs; the answer's JSON. */
async function processTransaction(c: Context<AppEnv>, origin: string): Promise<string> {
	const body = await readRequestJson(c);
	if (typeof body !== "object" || body === null || Array.isArray(body)) throw new MatrixError("M_BAD_JSON", "Body must be an object");
	const pdus: unknown = Reflect.get(body, "pdus");
	const edus: unknown = Reflect.get(body, "edus") ?? [];
	if (!Array.isArray(pdus) || !Array.isArray(edus)) throw new MatrixError("M_BAD_JSON", "pdus and edus must be lists");
	if (pdus.length > MAX_PDUS || edus.length > MAX_EDUS) {
		throw new MatrixError("M_TOO_LARGE", `A transaction may hold at most ${MAX_PDUS} PDUs and ${MAX_EDUS} EDUs`, { status: 400 });
	}

	const config = c.get("config");
	const now = Date.now();
	const results = await receivePdus(pdus, {
		origin,
		room: (roomId) => c.env.ROOM.getByName(roomId),
		keys: keyRingFor(c.env, config),
		remote: remoteSourceFor(federationPortFor(c.env, config), origin),
		deadline: now + FETCH_BUDGET_MS,
		now: Date.now,
	});
	// EDUs after PDUs: a receipt or typing notice may name a room the PDUs just joined the user to.
	await handleEdus({ env: c.env, origin, now: Date.now }, edus, config.serverName);
	return JSON.stringify({ pdus: results });
}

export const sendTransactionEndpoints: Endpoint[] = [
	{ method: "PUT", path: "/_matrix/federation/v1/send/:txnId", auth: "server", rateLimit: null, maxBodyBytes: MAX_TXN_BYTES, handler },
];
