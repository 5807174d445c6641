// A stand-in for a REMOTE homeserver (not one of our components): a tiny Hono app that receives
// `PUT /_matrix/federation/v1/send/{txnId}`, checks the X-Matrix signature with our protocol code, and
// records what it got. Our own code (discovery, client, DestinationDO) runs for real against it.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { vi } from "vitest";
import { getConfig } from "../../src/platform/config";
import { getServerKeys } from "../../src/platform/signing-key/server-key";
import { parseXMatrixHeader, verifyRequest } from "../../src/protocol/federation/x-matrix";

export interface ReceivedTxn {
	txnId: string;
	body: { origin: string; origin_server_ts: number; pdus: Record<string, unknown>[]; edus: Record<string, unknown>[] };
	raw: string;
	signatureValid: boolean;
	headerDestination: string | undefined;
	host: string;
}

export interface Receiver {
	received: ReceivedTxn[];
	/** Answer the next `n` transactions with this status instead of 200. */
	failNext(n: number, status?: number): void;
	/** The most transactions that were ever on the wire at once. */
	maxConcurrent: () => number;
	dohQueries: string[];
	wellKnownHits: string[];
}

/** A public address for every DoH A query, no AAAA, no SRV. */
function dohAnswer(url: URL): Response {
	const type = url.searchParams.get("type");
	const Answer = type === "A" ? [{ name: url.searchParams.get("name"), type: 1, TTL: 300, data: "93.184.215.14" }] : [];
	return Response.json({ Status: 0, Answer });
}

/**
 * Routes the global fetch: the DoH resolver, `/.well-known/matrix/server` (404 unless `wellKnown` says
 * otherwise) and federation requests to the receiver (plus any `routes` a test adds). Everything else
 * fails like an unreachable host.
 */
export function installReceiver(wellKnown: Record<string, () => Response> = {}, routes?: (app: Hono) => void): Receiver {
	const received: ReceivedTxn[] = [];
	const dohQueries: string[] = [];
	const wellKnownHits: string[] = [];
	let failures: { n: number; status: number } = { n: 0, status: 500 };
	let inFlight = 0;
	let maxConcurrent = 0;
	const app = new Hono();
	app.put("/_matrix/federation/v1/send/:txnId", async (c) => {
		inFlight++;
		maxConcurrent = Math.max(maxConcurrent, inFlight);
		try {
			const raw = await c.req.text();
			const content: unknown = JSON.parse(raw);
			const auth = parseXMatrixHeader(c.req.header("authorization") ?? "");
			const config = getConfig(env);
			const keys = await getServerKeys(env.DB, config);
			const url = new URL(c.req.url);
			const signatureValid =
				auth !== undefined &&
				auth.origin === config.serverName &&
				auth.key === keys.current.keyId &&
				(await verifyRequest(keys.current.publicKeyBase64, auth, { method: "PUT", uri: url.pathname + url.search, destination: auth.destination ?? "", content }));
			received.push({ txnId: c.req.param("txnId"), body: content as ReceivedTxn["body"], raw, signatureValid, headerDestination: auth?.destination, host: url.host });
			if (failures.n > 0) {
				failures.n--;
				return c.json({ errcode: "M_UNKNOWN", error: "remote secret detail" }, failures.status as 500);
			}
			return c.json({ pdus: {} });
		} finally {
			inFlight--;
		}
	});
	routes?.(app);
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const request = new Request(input, init);
		const url = new URL(request.url);
		// The tests' DNS-over-HTTPS resolver (FEDERATION_DOH_URL in vitest.config.ts), answered here.
		if (url.href.startsWith(getConfig(env).federationDohUrl.split("?")[0]!)) {
			dohQueries.push(`${url.searchParams.get("type")} ${url.searchParams.get("name")}`);
			return dohAnswer(url);
		}
		if (url.pathname === "/.well-known/matrix/server") {
			wellKnownHits.push(url.host);
			return wellKnown[url.host]?.() ?? new Response("not found", { status: 404 });
		}
		if (url.pathname.startsWith("/_matrix/federation/")) return app.fetch(request);
		throw new TypeError("network unreachable");
	});
	return {
		received,
		dohQueries,
		wellKnownHits,
		failNext: (n, status = 500) => (failures = { n, status }),
		maxConcurrent: () => maxConcurrent,
	};
}

let counter = 0;
/** A PDU-shaped JSON text; the destination queue treats it as opaque. */
export function pduText(roomId: string, n: number): { eventId: string; json: string } {
	const eventId = `$ev${++counter}_${n}`;
	return { eventId, json: JSON.stringify({ type: "m.room.message", room_id: roomId, content: { n }, depth: n }) };
}

/**
 * Waits (at most 5 s) until the DestinationDO of `serverName` has nothing queued or in flight. A test that
 * mocked the network must keep the mock until then: restored under a transaction still being sent, it left
 * the workerd test pool unable to start the next file (the "pool stall" that cost CI runs minutes).
 */
export async function destinationIdle(serverName: string): Promise<void> {
	const destination = env.DESTINATION.getByName(serverName);
	for (let i = 0; i < 100; i++) {
		const status = await destination.status();
		if (status.queued_pdus === 0 && status.queued_edus === 0 && status.in_flight_txn_id === null) return;
		await new Promise((r) => setTimeout(r, 50));
	}
}
