// Server discovery, pure parts: well-known parsing and caching rules, SRV parsing and RFC 2782 order,
// and the spec's numbered steps. Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names
import { describe, expect, it } from "vitest";
import { type DiscoveryLookups, discoverServer } from "../../../src/protocol/federation/server-discovery";
import { orderSrvRecords, parseAddressAnswer, parseSrvAnswer, type SrvRecord } from "../../../src/protocol/federation/srv-records";
import {
	parseWellKnownServer,
	WELL_KNOWN_DEFAULT_TTL_MS,
	WELL_KNOWN_MAX_ERROR_TTL_MS,
	WELL_KNOWN_MAX_TTL_MS,
	type WellKnownResult,
	wellKnownErrorTtlMs,
	wellKnownTtlMs,
} from "../../../src/protocol/federation/well-known-server";

const srv = (priority: number, weight: number, port: number, target: string): SrvRecord => ({ priority, weight, port, target, ttlSeconds: 300 });

describe("well-known parsing", () => {
	it.each([
		['{"m.server":"matrix.example.org:443"}', { host: "matrix.example.org", port: 443, kind: "dns" }],
		['{"m.server":"matrix.example.org"}', { host: "matrix.example.org", port: undefined, kind: "dns" }],
		['{"m.server":"[2001:db8::1]:8448","other":1}', { host: "[2001:db8::1]", port: 8448, kind: "ipv6" }],
	])("accepts %s", (body, parts) => {
		const r = parseWellKnownServer(body);
		expect(r.ok && r.delegated).toMatchObject(parts);
	});
	it.each(["not json", "[]", "null", "{}", '{"m.server":1}', '{"m.server":"bad name!"}', '{"m.server":"a.org:99999"}'])("rejects %s", (body) => {
		expect(parseWellKnownServer(body).ok).toBe(false);
	});
});

describe("well-known caching", () => {
	it("uses 24 h without Cache-Control, honours max-age, caps at 48 h, refuses no-store", () => {
		expect(wellKnownTtlMs(null)).toBe(WELL_KNOWN_DEFAULT_TTL_MS);
		expect(wellKnownTtlMs("public, max-age=600")).toBe(600_000);
		expect(wellKnownTtlMs("max-age=9999999")).toBe(WELL_KNOWN_MAX_TTL_MS);
		expect(wellKnownTtlMs("no-store")).toBe(0);
		expect(wellKnownTtlMs("max-age=0")).toBe(0);
		expect(wellKnownTtlMs("public")).toBe(WELL_KNOWN_DEFAULT_TTL_MS);
	});
	it("caches errors with exponential backoff, at most an hour", () => {
		const ttls = [1, 2, 3, 4, 5, 6, 50].map(wellKnownErrorTtlMs);
		for (let i = 1; i < ttls.length; i++) expect(ttls[i]!).toBeGreaterThanOrEqual(ttls[i - 1]!);
		expect(ttls[1]).toBe(2 * ttls[0]!);
		expect(Math.max(...ttls)).toBe(WELL_KNOWN_MAX_ERROR_TTL_MS);
	});
});

describe("SRV answers", () => {
	it("parses DoH JSON, drops the '.' target and foreign types", () => {
		const json = {
			Status: 0,
			Answer: [
				{ name: "_matrix-fed._tcp.example.org.", type: 33, TTL: 120, data: "10 5 8448 Matrix.Example.org." },
				{ name: "x", type: 33, TTL: 120, data: "0 0 0 ." },
				{ name: "x", type: 5, TTL: 120, data: "alias.example.org." },
				{ name: "x", type: 33, TTL: 120, data: "garbage" },
			],
		};
		expect(parseSrvAnswer(json)).toEqual([{ priority: 10, weight: 5, port: 8448, target: "matrix.example.org", ttlSeconds: 120 }]);
		expect(parseSrvAnswer({ Status: 3 })).toEqual([]);
		expect(parseSrvAnswer(undefined)).toEqual([]);
		expect(parseAddressAnswer({ Status: 0, Answer: [{ type: 1, TTL: 1, data: "192.0.2.1" }, { type: 5, TTL: 1, data: "x." }] }, 1)).toEqual(["192.0.2.1"]);
	});

	it("orders by priority, then by weighted random choice", () => {
		const records = [srv(20, 0, 1, "c"), srv(10, 1, 1, "a"), srv(10, 99, 1, "b")];
		// A draw near 0 picks the first record of the pool (weights are summed in pool order).
		expect(orderSrvRecords(records, () => 0).map((r) => r.target)).toEqual(["a", "b", "c"]);
		// A high draw lands in b's share of the weight.
		expect(orderSrvRecords(records, () => 0.99).map((r) => r.target)).toEqual(["b", "a", "c"]);
	});

	it("gives heavier records the first place more often", () => {
		let seed = 1;
		const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
		let heavyFirst = 0;
		for (let i = 0; i < 1000; i++) if (orderSrvRecords([srv(1, 10, 1, "light"), srv(1, 90, 1, "heavy")], random)[0]!.target === "heavy") heavyFirst++;
		expect(heavyFirst).toBeGreaterThan(800);
		expect(heavyFirst).toBeLessThan(970);
	});
});

/** Lookups that record what was asked. */
function lookups(wellKnown: Record<string, WellKnownResult>, srvs: Record<string, SrvRecord[]>) {
	const asked: string[] = [];
	const l: DiscoveryLookups = {
		wellKnown: async (h) => {
			asked.push(`wk:${h}`);
			return wellKnown[h] ?? { ok: false, reason: "HTTP 404" };
		},
		srv: async (n) => {
			asked.push(`srv:${n}`);
			return srvs[n] ?? [];
		},
	};
	return { l, asked };
}
const delegate = (name: string): WellKnownResult => parseWellKnownServer(JSON.stringify({ "m.server": name }));

describe("discovery steps", () => {
	it("1: IP literals, with or without port; nothing looked up", async () => {
		const { l, asked } = lookups({}, {});
		expect(await discoverServer("192.0.2.7", l)).toEqual({ ok: true, value: { targets: [{ host: "192.0.2.7", port: 8448 }], hostHeader: "192.0.2.7", tlsName: "192.0.2.7", step: "1" } });
		expect(await discoverServer("[2001:db8::1]:443", l)).toMatchObject({ value: { targets: [{ host: "[2001:db8::1]", port: 443 }], hostHeader: "[2001:db8::1]:443", step: "1" } });
		expect(asked).toEqual([]);
	});

	it("2: an explicit port skips well-known and SRV; Host keeps the port", async () => {
		const { l, asked } = lookups({}, {});
		expect(await discoverServer("example.org:8449", l)).toMatchObject({ value: { targets: [{ host: "example.org", port: 8449 }], hostHeader: "example.org:8449", tlsName: "example.org", step: "2" } });
		expect(asked).toEqual([]);
	});

	it("3.1 / 3.2: a delegated IP or host:port is used as is", async () => {
		let r = await discoverServer("example.org", lookups({ "example.org": delegate("192.0.2.9") }, {}).l);
		expect(r).toMatchObject({ value: { targets: [{ host: "192.0.2.9", port: 8448 }], hostHeader: "192.0.2.9", step: "3.1" } });
		r = await discoverServer("example.org", lookups({ "example.org": delegate("matrix.example.net:443") }, {}).l);
		expect(r).toMatchObject({ value: { targets: [{ host: "matrix.example.net", port: 443 }], hostHeader: "matrix.example.net:443", tlsName: "matrix.example.net", step: "3.2" } });
	});

	it("3.3 / 3.4 / 3.5: SRV on the delegated name, legacy SRV, then 8448; Host is the delegated name", async () => {
		const wk = { "example.org": delegate("m.example.net") };
		let r = await discoverServer("example.org", lookups(wk, { "_matrix-fed._tcp.m.example.net": [srv(1, 1, 443, "t1.example.net"), srv(2, 1, 8443, "t2.example.net")] }).l);
		expect(r).toMatchObject({ value: { targets: [{ host: "t1.example.net", port: 443 }, { host: "t2.example.net", port: 8443 }], hostHeader: "m.example.net", tlsName: "m.example.net", step: "3.3", dnsTtlSeconds: 300 } });
		const legacy = lookups(wk, { "_matrix._tcp.m.example.net": [srv(1, 1, 8448, "old.example.net")] });
		r = await discoverServer("example.org", legacy.l);
		expect(r).toMatchObject({ value: { targets: [{ host: "old.example.net", port: 8448 }], step: "3.4" } });
		expect(legacy.asked).toEqual(["wk:example.org", "srv:_matrix-fed._tcp.m.example.net", "srv:_matrix._tcp.m.example.net"]);
		r = await discoverServer("example.org", lookups(wk, {}).l);
		expect(r).toMatchObject({ value: { targets: [{ host: "m.example.net", port: 8448 }], hostHeader: "m.example.net", step: "3.5" } });
	});

	it("4 / 5 / 6: no well-known: SRV on the hostname, legacy SRV, then 8448", async () => {
		let r = await discoverServer("example.org", lookups({}, { "_matrix-fed._tcp.example.org": [srv(0, 0, 8443, "fed.example.org")] }).l);
		expect(r).toMatchObject({ value: { targets: [{ host: "fed.example.org", port: 8443 }], hostHeader: "example.org", tlsName: "example.org", step: "4" } });
		r = await discoverServer("example.org", lookups({}, { "_matrix._tcp.example.org": [srv(0, 0, 8443, "leg.example.org")] }).l);
		expect(r).toMatchObject({ value: { step: "5" } });
		const none = lookups({}, {});
		r = await discoverServer("example.org", none.l);
		expect(r).toEqual({ ok: true, value: { targets: [{ host: "example.org", port: 8448 }], hostHeader: "example.org", tlsName: "example.org", step: "6" } });
		expect(none.asked).toEqual(["wk:example.org", "srv:_matrix-fed._tcp.example.org", "srv:_matrix._tcp.example.org"]);
	});

	it("refuses names that break the grammar", async () => {
		expect((await discoverServer("bad name", lookups({}, {}).l)).ok).toBe(false);
	});
});
