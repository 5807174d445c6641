// The signed federation client and discovery in workerd: typed failures that never carry the remote's
// text, the SSRF guard, `/.well-known/matrix/server` caching in KV, and the room → destination hand-off (direct or queued).
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { federationRequest } from "../../src/bridge/client/federation-client";
import { discoverDestination } from "../../src/bridge/discovery/discover-destination";
import { wellKnownCacheKey } from "../../src/bridge/discovery/well-known";
import { consumeFederationPdu, FEDERATION_PDU_KIND, handOffToDestinations } from "../../src/bridge/outbound/hand-off";
import { DIRECT_MAX_DESTINATIONS } from "../../src/platform/federation-hand-off";
import { getConfig } from "../../src/platform/config";
import { installReceiver, pduText } from "./federation-outbound-helpers";

afterEach(() => {
	vi.restoreAllMocks();
	// A DestinationDO alarm may fire after a test; it must meet a dead network, not the real one.
	vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("offline"));
});

const options = (allowInsecureLoopback = false) => ({ cache: env.CACHE, dohUrl: getConfig(env).federationDohUrl, allowInsecureLoopback, now: Date.now });

describe("federationRequest", () => {
	it("signs, and turns a remote error into a typed failure without its text", async () => {
		const receiver = installReceiver();
		receiver.failNext(1, 403);
		const result = await federationRequest(env, getConfig(env), "peer.example:8448", "PUT", "/_matrix/federation/v1/send/t1", { origin: env.SERVER_NAME, origin_server_ts: 1, pdus: [] });
		expect(result).toEqual({ ok: false, kind: "http", status: 403, remoteErrcode: "M_UNKNOWN", reason: "HTTP 403" });
		expect(JSON.stringify(result)).not.toContain("remote secret detail");
		expect(receiver.received[0]!.signatureValid).toBe(true);
		const ok = await federationRequest(env, getConfig(env), "peer.example:8448", "PUT", "/_matrix/federation/v1/send/t2", { pdus: [] });
		expect(ok).toEqual({ ok: true, status: 200, body: { pdus: {} } });
	});

	it("refuses ourselves, private and loopback destinations before any request", async () => {
		const receiver = installReceiver();
		const config = getConfig(env);
		for (const dest of [config.serverName, "10.1.2.3:8448", "127.0.0.1:8448", "[::1]:8448", "169.254.169.254", "localhost:8448"]) {
			expect(await federationRequest(env, config, dest, "GET", "/_matrix/federation/v1/version")).toMatchObject({ ok: false, kind: "refused" });
		}
		expect(receiver.received).toEqual([]);
	});

	it("refuses a name whose A record is private", async () => {
		vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ Status: 0, Answer: [{ type: 1, TTL: 60, data: "10.0.0.5" }] }));
		expect(await discoverDestination("internal.example:8448", options())).toEqual({ ok: false, reason: "private destination refused" });
	});

	it("reaches loopback host:port over plain HTTP only with FEDERATION_INSECURE_LOOPBACK", async () => {
		expect(await discoverDestination("127.0.0.1:8788", options(true))).toMatchObject({ ok: true, value: { baseUrls: ["http://127.0.0.1:8788"], hostHeader: "127.0.0.1:8788" } });
		expect(await discoverDestination("127.0.0.2:8788", options(true))).toMatchObject({ ok: false });
		expect(await discoverDestination("127.0.0.1:8788", options(false))).toMatchObject({ ok: false });
	});
});

describe("SRV targets", () => {
	/** DoH: `srv.example` has no well-known (its A record is private, so it is never fetched) and one SRV record. */
	const srvDoh = (target: string, port: number) =>
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
			const url = new URL(new Request(input).url);
			const name = url.searchParams.get("name");
			const type = url.searchParams.get("type");
			if (url.pathname !== "/dns-query") throw new TypeError(`unexpected fetch ${url.host}`);
			if (type === "SRV" && name === "_matrix-fed._tcp.srv.example") return Response.json({ Status: 0, Answer: [{ name, type: 33, TTL: 60, data: `10 5 ${port} ${target}.` }] });
			if (type === "A" && name === "srv.example") return Response.json({ Status: 0, Answer: [{ name, type: 1, TTL: 60, data: "10.0.0.7" }] });
			return Response.json({ Status: 0, Answer: [] });
		});

	it("a loopback SRV target is refused, unless FEDERATION_INSECURE_LOOPBACK is on; the TLS name stays the server's", async () => {
		srvDoh("127.0.0.1", 8443);
		expect(await discoverDestination("srv.example", options(false))).toEqual({ ok: false, reason: "private destination refused" });
		await env.CACHE.delete(wellKnownCacheKey("srv.example"));
		expect(await discoverDestination("srv.example", options(true))).toEqual({ ok: true, value: { baseUrls: ["https://127.0.0.1:8443"], hostHeader: "srv.example", tlsName: "srv.example", step: "4" } });
	});

	// The TLS exchange itself is proven end to end in test/e2e/federation-srv-tls.test.ts: in this pool a
	// connect() neither opens nor fails (it never reaches the host), so here the request can only time out.
	it("a request to an SRV target whose name differs goes over a socket, not fetch, within the deadline", async () => {
		await env.CACHE.delete(wellKnownCacheKey("srv.example"));
		const fetched = srvDoh("127.0.0.1", 9);
		const config = { ...getConfig(env), federationInsecureLoopback: true };
		const started = Date.now();
		const result = await federationRequest(env, config, "srv.example", "GET", "/_matrix/federation/v1/version", undefined, { timeoutMs: 1_000 });
		expect(result).toMatchObject({ ok: false });
		expect(["unreachable", "timeout"]).toContain(result.ok ? "ok" : result.kind);
		expect(Date.now() - started).toBeLessThan(3_000);
		expect(fetched.mock.calls.map(([input]) => new URL(new Request(input).url).pathname).filter((p) => p !== "/dns-query")).toEqual([]);
	});
});

describe("well-known discovery and caching", () => {
	it("follows a delegation, caches it per Cache-Control, and answers from KV next time", async () => {
		const receiver = installReceiver({
			"deleg.example": () => Response.json({ "m.server": "matrix.deleg.example:443" }, { headers: { "cache-control": "max-age=600" } }),
		});
		const first = await discoverDestination("deleg.example", options());
		expect(first).toEqual({ ok: true, value: { baseUrls: ["https://matrix.deleg.example:443"], hostHeader: "matrix.deleg.example:443", tlsName: "matrix.deleg.example", step: "3.2" } });
		const cached = await env.CACHE.get<{ server: string; expires_ts: number }>(wellKnownCacheKey("deleg.example"), "json");
		expect(cached?.server).toBe("matrix.deleg.example:443");
		expect(cached!.expires_ts - Date.now()).toBeLessThanOrEqual(600_000);
		expect(await discoverDestination("deleg.example", options())).toEqual(first);
		expect(receiver.wellKnownHits).toEqual(["deleg.example"]);
	});

	it("caches an error, counts repeated failures, and falls back to SRV then 8448", async () => {
		const receiver = installReceiver();
		const result = await discoverDestination("nowk.example", options());
		expect(result).toMatchObject({ ok: true, value: { baseUrls: ["https://nowk.example:8448"], hostHeader: "nowk.example", step: "6" } });
		expect(receiver.dohQueries).toEqual(expect.arrayContaining(["SRV _matrix-fed._tcp.nowk.example", "SRV _matrix._tcp.nowk.example"]));
		const entry = await env.CACHE.get<{ error: string; failures: number; expires_ts: number }>(wellKnownCacheKey("nowk.example"), "json");
		expect(entry).toMatchObject({ error: "HTTP 404", failures: 1 });
		await discoverDestination("nowk.example", options());
		expect(receiver.wellKnownHits).toEqual(["nowk.example"]);
	});
});

describe("room hand-off", () => {
	/** The destination holds the event: queued, or taken into a transaction (its dedupe key kept as sent). */
	const held = (destination: string, eventId: string) =>
		runInDurableObject(env.DESTINATION.getByName(destination), (_i, state) => state.storage.sql.exec("SELECT 1 FROM sent_keys WHERE dedupe_key = ?1 UNION SELECT 1 FROM queue WHERE dedupe_key = ?1", eventId).toArray().length > 0);

	it("hands a PDU for a few servers straight to their DestinationDOs, skipping ourselves and duplicates", async () => {
		vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("offline"));
		const queue = { sendBatch: vi.fn(async () => undefined) };
		const fakeEnv = { ...env, FEDERATION_OUT: queue as unknown as Queue };
		const p = pduText("!h:hs1", 1);
		expect(await handOffToDestinations(fakeEnv, "!h:hs1", p.eventId, p.json, ["a.example", env.SERVER_NAME, "b.example:8448", "a.example", "bad name"])).toBe(2);
		expect(queue.sendBatch).not.toHaveBeenCalled();
		expect(await held("a.example", p.eventId)).toBe(true);
		expect(await held("b.example:8448", p.eventId)).toBe(true);
		// A repeated hand-off (the room retries after a crash) sends nothing twice.
		await handOffToDestinations(fakeEnv, "!h:hs1", p.eventId, p.json, ["a.example"]);
		const status = await env.DESTINATION.getByName("a.example").status();
		expect(status.queued_pdus + (status.in_flight_txn_id === null ? 0 : 1)).toBe(1);
	});

	it("queues one message per server for a larger fan-out, and for a destination that cannot be reached", async () => {
		const sent: unknown[] = [];
		const queue = { sendBatch: vi.fn(async (batch: Iterable<MessageSendRequest<unknown>>) => void sent.push(...[...batch].map((m) => m.body))) };
		const many = Array.from({ length: DIRECT_MAX_DESTINATIONS + 1 }, (_, i) => `fan${i}.example`);
		const p = pduText("!h:hs1", 3);
		const fakeEnv = { ...env, FEDERATION_OUT: queue as unknown as Queue };
		expect(await handOffToDestinations(fakeEnv, "!h:hs1", p.eventId, p.json, many)).toBe(many.length);
		expect(sent).toEqual(many.map((destination) => ({ kind: FEDERATION_PDU_KIND, destination, room_id: "!h:hs1", event_id: p.eventId, pdu: p.json })));

		// The DestinationDO binding fails for one server (an infrastructure error): that one goes through the queue.
		sent.length = 0;
		const unreachable = {
			getByName: (name: string) => (name === "down.example" ? { enqueuePdu: () => Promise.reject(new Error("binding failed")) } : env.DESTINATION.getByName(name)),
		};
		vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("offline"));
		const partly = { ...fakeEnv, DESTINATION: unreachable as unknown as typeof env.DESTINATION };
		expect(await handOffToDestinations(partly, "!h:hs1", p.eventId, p.json, ["up.example", "down.example"])).toBe(2);
		expect(sent).toEqual([{ kind: FEDERATION_PDU_KIND, destination: "down.example", room_id: "!h:hs1", event_id: p.eventId, pdu: p.json }]);
		expect(await held("up.example", p.eventId)).toBe(true);
	});

	it("the consumer enqueues into the DestinationDO, idempotently", async () => {
		vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("offline"));
		const p = pduText("!h:hs1", 2);
		const body = { kind: FEDERATION_PDU_KIND, destination: "consumer.example:8448", room_id: "!h:hs1", event_id: p.eventId, pdu: p.json };
		await consumeFederationPdu(body, env);
		await consumeFederationPdu(body, env);
		const status = await env.DESTINATION.getByName("consumer.example:8448").status();
		expect(status.queued_pdus + (status.in_flight_txn_id === null ? 0 : 1)).toBe(1);
	});
});
