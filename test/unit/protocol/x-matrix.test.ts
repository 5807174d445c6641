// X-Matrix request authentication: header grammar, the signed object, sign → verify, tampering.
// Spec: https://spec.matrix.org/latest/server-server-api/#request-authentication
import { describe, expect, it } from "vitest";
import { signingKeyFromSeed } from "../../../src/protocol/crypto/ed25519";
import { isValidServerName, parseServerName } from "../../../src/protocol/federation/server-name";
import {
	formatXMatrixHeader,
	parseXMatrixHeader,
	parseXMatrixHeaders,
	requestSigningPayload,
	signRequest,
	verifyRequest,
	type SignedRequest,
} from "../../../src/protocol/federation/x-matrix";

describe("parseXMatrixHeader", () => {
	it("parses the spec's example", () => {
		expect(
			parseXMatrixHeader('X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF..."'),
		).toEqual({ origin: "origin.hs.example.com", destination: "destination.hs.example.com", key: "ed25519:key1", sig: "ABCDEF..." });
	});

	it("accepts bare values, colons in bare values, and no destination (pre-v1.3 senders)", () => {
		expect(parseXMatrixHeader("X-Matrix origin=origin.hs.example.com:8448,key=ed25519:key1,sig=ABC+/def")).toEqual({
			origin: "origin.hs.example.com:8448",
			key: "ed25519:key1",
			sig: "ABC+/def",
		});
	});

	it("treats scheme and parameter names case-insensitively, in any order", () => {
		expect(parseXMatrixHeader('x-matrix SIG="s",Key="ed25519:k",DESTINATION="d.example",Origin="o.example"')).toEqual({
			origin: "o.example",
			destination: "d.example",
			key: "ed25519:k",
			sig: "s",
		});
	});

	it("tolerates whitespace around separators and several spaces after the scheme", () => {
		expect(parseXMatrixHeader('  X-Matrix   origin = "o.example" ,\tkey= "ed25519:k" , sig ="s" ,  ')).toEqual({
			origin: "o.example",
			key: "ed25519:k",
			sig: "s",
		});
	});

	it("unescapes backslash pairs in quoted values", () => {
		expect(parseXMatrixHeader('X-Matrix origin="o\\"x\\\\y",key="ed25519:k",sig="s\\,"')).toEqual({
			origin: 'o"x\\y',
			key: "ed25519:k",
			sig: "s,",
		});
	});

	it("keeps commas and spaces inside quoted values", () => {
		expect(parseXMatrixHeader('X-Matrix origin="a, b",key="ed25519:k",sig="s"')?.origin).toBe("a, b");
	});

	it("ignores unknown parameters", () => {
		expect(parseXMatrixHeader('X-Matrix origin=o,future="x, y",key=ed25519:k,sig=s')).toEqual({ origin: "o", key: "ed25519:k", sig: "s" });
	});

	it.each([
		["another scheme", 'Bearer origin="o",key="ed25519:k",sig="s"'],
		["scheme without a space", 'X-Matrixorigin="o",key="ed25519:k",sig="s"'],
		["a missing sig", 'X-Matrix origin="o",key="ed25519:k"'],
		["a missing origin", 'X-Matrix key="ed25519:k",sig="s"'],
		["a missing key", 'X-Matrix origin="o",sig="s"'],
		["an empty origin", 'X-Matrix origin="",key="ed25519:k",sig="s"'],
		["an unterminated quote", 'X-Matrix origin="o,key="ed25519:k",sig="s'],
		["a repeated parameter", 'X-Matrix origin="o",origin="p",key="ed25519:k",sig="s"'],
		["a parameter without a value", "X-Matrix origin=,key=ed25519:k,sig=s"],
		["a parameter without =", "X-Matrix origin,key=ed25519:k,sig=s"],
		["junk after a value", 'X-Matrix origin="o" x,key=ed25519:k,sig=s'],
		["just the scheme", "X-Matrix"],
		["an empty string", ""],
	])("rejects %s", (_label, header) => {
		expect(parseXMatrixHeader(header)).toBeUndefined();
	});
});

describe("parseXMatrixHeaders", () => {
	it("splits repeated headers that fetch joined with a comma", () => {
		const joined = 'X-Matrix origin="o",key="ed25519:a",sig="s1", X-Matrix origin=o,key=ed25519:b,sig=s2';
		expect(parseXMatrixHeaders(joined)).toEqual([
			{ origin: "o", key: "ed25519:a", sig: "s1" },
			{ origin: "o", key: "ed25519:b", sig: "s2" },
		]);
	});

	it("does not split inside quoted values and drops malformed credentials", () => {
		const joined = 'X-Matrix origin="a, X-Matrix b",key="ed25519:a",sig="s1",Bearer xyz, X-Matrix origin=o';
		expect(parseXMatrixHeaders(joined)).toEqual([]);
		expect(parseXMatrixHeaders('X-Matrix origin="a, X-Matrix b",key="ed25519:a",sig="s1"')).toEqual([
			{ origin: "a, X-Matrix b", key: "ed25519:a", sig: "s1" },
		]);
		expect(parseXMatrixHeaders('X-Matrix origin=o, X-Matrix origin="p",key="ed25519:k",sig="s"')).toEqual([{ origin: "p", key: "ed25519:k", sig: "s" }]);
	});

	it("returns one credential for a single header", () => {
		expect(parseXMatrixHeaders('X-Matrix origin="o",key="ed25519:a",sig="s"')).toHaveLength(1);
		expect(parseXMatrixHeaders("")).toEqual([]);
	});
});

describe("formatXMatrixHeader", () => {
	it("writes the form the spec recommends and parses back", () => {
		const auth = { origin: "o.example:8448", destination: "d.example", key: "ed25519:k1", sig: "c2ln+/" };
		const header = formatXMatrixHeader(auth);
		expect(header).toBe('X-Matrix origin="o.example:8448",destination="d.example",key="ed25519:k1",sig="c2ln+/"');
		expect(parseXMatrixHeader(header)).toEqual(auth);
	});

	it("escapes quotes and backslashes so odd values round-trip", () => {
		const auth = { origin: 'we"ird\\', destination: "d", key: "ed25519:k", sig: "s" };
		expect(parseXMatrixHeader(formatXMatrixHeader(auth))).toEqual(auth);
	});
});

describe("requestSigningPayload", () => {
	it("covers method, uri, origin and destination, and content only when there is a body", () => {
		const base = { method: "GET", uri: "/_matrix/federation/v1/version?x=1", origin: "o", destination: "d" };
		expect(requestSigningPayload(base)).toEqual(base);
		expect(requestSigningPayload({ ...base, method: "PUT", content: { a: 1 } })).toEqual({ ...base, method: "PUT", content: { a: 1 } });
		expect("content" in requestSigningPayload({ ...base, content: undefined })).toBe(false);
	});
});

describe("signRequest / verifyRequest", () => {
	const seed = new Uint8Array(32).map((_, i) => i + 1);
	const request: SignedRequest = {
		method: "PUT",
		uri: "/_matrix/federation/v1/send/txn1?ver=1&x=%21a",
		origin: "origin.example",
		destination: "dest.example:8448",
		content: { pdus: [], edus: [{ edu_type: "m.typing", content: { typing: true } }], origin_server_ts: 1700000000000 },
	};

	async function signed() {
		const key = await signingKeyFromSeed("ed25519:k1", seed);
		const header = await signRequest(key, request);
		const auth = parseXMatrixHeader(header);
		if (!auth) throw new Error("signRequest produced an unparsable header");
		return { key, header, auth };
	}

	it("produces a header that names origin, destination and key, and verifies", async () => {
		const { key, auth } = await signed();
		expect(auth).toMatchObject({ origin: "origin.example", destination: "dest.example:8448", key: "ed25519:k1" });
		const { origin: _o, ...rest } = request;
		expect(await verifyRequest(key.publicKeyBase64, auth, rest)).toBe(true);
	});

	it("signs over canonical JSON, so key order in the content does not matter", async () => {
		const { key, auth } = await signed();
		const reordered = { origin_server_ts: 1700000000000, edus: [{ content: { typing: true }, edu_type: "m.typing" }], pdus: [] };
		expect(await verifyRequest(key.publicKeyBase64, auth, { ...request, content: reordered })).toBe(true);
	});

	it.each([
		["a changed body", { content: { pdus: [], edus: [] } }],
		["a missing body", { content: undefined }],
		["a changed uri", { uri: "/_matrix/federation/v1/send/txn2?ver=1&x=%21a" }],
		["a changed query", { uri: "/_matrix/federation/v1/send/txn1?ver=2&x=%21a" }],
		["a changed destination", { destination: "other.example" }],
		["a changed method", { method: "POST" }],
	])("fails with %s", async (_label, change) => {
		const { key, auth } = await signed();
		expect(await verifyRequest(key.publicKeyBase64, auth, { ...request, ...change })).toBe(false);
	});

	it("fails when the header claims another origin", async () => {
		const { key, auth } = await signed();
		expect(await verifyRequest(key.publicKeyBase64, { ...auth, origin: "evil.example" }, request)).toBe(false);
	});

	it("fails with another server's key, a garbled signature, or content that is not canonical JSON", async () => {
		const { auth } = await signed();
		const other = await signingKeyFromSeed("ed25519:k1", new Uint8Array(32).fill(9));
		const { key } = await signed();
		expect(await verifyRequest(other.publicKeyBase64, auth, request)).toBe(false);
		expect(await verifyRequest(key.publicKeyBase64, { ...auth, sig: "not base64!" }, request)).toBe(false);
		expect(await verifyRequest(key.publicKeyBase64, auth, { ...request, content: { f: 1.5 } })).toBe(false);
	});

	it("verifies a request signed without a body", async () => {
		const key = await signingKeyFromSeed("ed25519:k1", seed);
		const get = { method: "GET", uri: "/_matrix/federation/v1/version", origin: "o.example", destination: "d.example" };
		const auth = parseXMatrixHeader(await signRequest(key, get));
		expect(auth && (await verifyRequest(key.publicKeyBase64, auth, get))).toBe(true);
		expect(auth && (await verifyRequest(key.publicKeyBase64, auth, { ...get, content: {} }))).toBe(false);
	});
});

describe("server names", () => {
	it.each(["example.com", "example.com:8448", "1.2.3.4", "1.2.3.4:1234", "[1234:5678::abcd]", "[1234:5678::abcd]:5678", "localhost", "127.0.0.1:8008"])(
		"accepts %s",
		(name) => expect(isValidServerName(name)).toBe(true),
	);
	it.each(["", "example.com:", "example.com:0", "example.com:65536", "exa mple.com", "ex_ample.com", "[::1", "[zz::1]", "[::1]x", "999.1.1.1", "a:b:c"])(
		"rejects %j",
		(name) => expect(isValidServerName(name)).toBe(false),
	);
	it("splits host, kind and port", () => {
		expect(parseServerName("[::1]:8448")).toEqual({ host: "[::1]", kind: "ipv6", port: 8448 });
		expect(parseServerName("10.0.0.1")).toEqual({ host: "10.0.0.1", kind: "ipv4", port: undefined });
		expect(parseServerName("matrix.org")).toEqual({ host: "matrix.org", kind: "dns", port: undefined });
	});
});
