// Identifier grammar from the spec appendix: server names, user IDs, room IDs, event IDs, aliases, device IDs.
import { describe, expect, it } from "vitest";
import { MatrixError } from "../../../src/protocol/errors";
import {
	aliasLocalpartOf,
	createEventIdOfRoomId,
	isCompliantUserId,
	isIpv6Literal,
	isOpaqueDeviceId,
	isRecommendedServerName,
	isStrictUserId,
	isValidLocalpart,
	localpartOf,
	parseDeviceId,
	parseEventId,
	parseEventIdForVersion,
	parseRoomAlias,
	parseRoomId,
	parseRoomIdForVersion,
	parseServerName,
	parseUserId,
	requireEventId,
	requireNewUserId,
	requireRoomId,
	requireServerName,
	requireUserId,
	roomIdFromCreateEventId,
	serverNameOf,
	splitServerName,
	type EventId,
	type ServerName,
} from "../../../src/protocol/ids";
import { ROOM_V1, ROOM_V3, ROOM_V4, ROOM_V11, ROOM_V12 } from "../../../src/protocol/room-versions/rules";

const HASH = "Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg"; // the spec's v4 example, 43 chars
const STD_HASH = "acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk";

function thrown(f: () => unknown): MatrixError {
	try {
		f();
	} catch (e) {
		if (e instanceof MatrixError) return e;
		throw e;
	}
	throw new Error("did not throw");
}

describe("server names", () => {
	it.each([
		"matrix.org",
		"matrix.org:8888",
		"1.2.3.4",
		"1.2.3.4:1234",
		"[1234:5678::abcd]",
		"[1234:5678::abcd]:5678",
		"localhost",
		"localhost:1",
		"localhost:65535",
		"example.com:080",
		"MATRIX.ORG",
		"[::1]",
		"[::]",
		"[::ffff:1.2.3.4]",
		"[1:2:3:4:5:6:7:8]",
		"[1:2:3:4:5:6:1.2.3.4]",
		"[ABCD::]:8448",
		// The grammar's dns-char allows these; RFC 1123 conventions are only a "should".
		"-bad.com",
		"a..b",
		"x".repeat(255),
	])("accepts %s", (name) => {
		expect(parseServerName(name)).toBe(name);
	});

	it.each([
		"",
		":8448",
		"matrix.org:",
		"matrix.org:0",
		"matrix.org:65536",
		"matrix.org:123456",
		"matrix.org:-1",
		"matrix.org:8a",
		"matrix.org:80:80",
		"matrix_org",
		"matrix.org/path",
		"mätrix.org",
		"matrix org",
		"1.2.3.256",
		"[::1",
		"::1",
		"[::1]x",
		"[::1]:",
		"[1:2:3:4:5:6:7:8:9]",
		"[1:2:3:4:5:6:7]",
		"[1::2::3]",
		"[12345::]",
		"[::g]",
		"[fe80::1%eth0]",
		"[1.2.3.4]",
		"[:]",
		"x".repeat(256),
	])("rejects %j", (name) => {
		expect(parseServerName(name)).toBeUndefined();
	});

	it("splits host, kind and port", () => {
		expect(splitServerName("matrix.org:8448")).toEqual({ host: "matrix.org", kind: "dns", port: 8448 });
		expect(splitServerName("1.2.3.4")).toEqual({ host: "1.2.3.4", kind: "ipv4", port: undefined });
		expect(splitServerName("[1234:5678::abcd]:5678")).toEqual({ host: "[1234:5678::abcd]", kind: "ipv6", port: 5678 });
	});

	it("checks IPv6 literals per RFC 3513 2.2", () => {
		expect(isIpv6Literal("1080:0:0:0:8:800:200C:417A")).toBe(true);
		expect(isIpv6Literal("FF01::101")).toBe(true);
		expect(isIpv6Literal("0:0:0:0:0:0:13.1.68.3")).toBe(true);
		expect(isIpv6Literal("::FFFF:129.144.52.38")).toBe(true);
		expect(isIpv6Literal("1:2:3:4:5:6:7::")).toBe(true);
		expect(isIpv6Literal("1:2:3:4:5:6:7:8::")).toBe(false);
		expect(isIpv6Literal("::1.2.3")).toBe(false);
		expect(isIpv6Literal("1.2.3.4")).toBe(false);
	});

	it("recommends conventional lower-case names for our own server", () => {
		expect(isRecommendedServerName("matrix.example.org:8448")).toBe(true);
		expect(isRecommendedServerName("[::1]:8448")).toBe(true);
		expect(isRecommendedServerName("-bad.com")).toBe(false);
		expect(isRecommendedServerName("a..b")).toBe(false);
		expect(isRecommendedServerName("Matrix.org")).toBe(false);
		expect(isRecommendedServerName(`${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}`)).toBe(false);
	});

	it("requireServerName throws M_INVALID_PARAM", () => {
		expect(requireServerName("matrix.org")).toBe("matrix.org");
		expect(thrown(() => requireServerName("bad name")).errcode).toBe("M_INVALID_PARAM");
		expect(thrown(() => requireServerName(42)).errcode).toBe("M_INVALID_PARAM");
	});
});

describe("user IDs", () => {
	it.each([
		"@alice:example.org",
		"@a:1.2.3.4:1234",
		"@bob:[1234:5678::abcd]:5678",
		"@x.y_z=1-2/3+4:matrix.org",
		// Historical user IDs: any non-surrogate code point except ':' and NUL, even an empty localpart.
		"@Alice:example.org",
		"@:example.org",
		"@ali ce:example.org",
		"@\u00e9l\u00e8ve:example.org",
		"@\u0007bell:example.org",
		"@\u{1F600}:example.org",
	])("accepts %j", (id) => {
		expect(parseUserId(id)).toBe(id);
	});

	it.each([
		"alice:example.org",
		"@alice",
		"@alice:",
		"@alice:bad_domain",
		"@alice:example.org:0",
		"@ali\u0000ce:example.org",
		"@ali\ud800ce:example.org",
		"#alice:example.org",
		`@${"a".repeat(255 - "@:example.org".length + 1)}:example.org`,
		`@${"\u00e9".repeat(122)}:example.org`,
	])("rejects %j", (id) => {
		expect(parseUserId(id)).toBeUndefined();
	});

	it("allows exactly 255 bytes", () => {
		const id = `@${"a".repeat(255 - "@:example.org".length)}:example.org`;
		expect(id.length).toBe(255);
		expect(parseUserId(id)).toBe(id);
	});

	it("rejects non-strings", () => {
		expect(parseUserId(undefined)).toBeUndefined();
		expect(parseUserId(7)).toBeUndefined();
		expect(thrown(() => requireUserId({})).errcode).toBe("M_INVALID_PARAM");
	});

	it("splits localpart and server name at the first colon", () => {
		const id = requireUserId("@bob:[::1]:8448");
		expect(localpartOf(id)).toBe("bob");
		expect(serverNameOf(id)).toBe("[::1]:8448");
	});

	it("knows the strict, compliant and historical grammars apart", () => {
		expect(isStrictUserId(requireUserId("@alice:x.org"))).toBe(true);
		expect(isStrictUserId(requireUserId("@Alice:x.org"))).toBe(false);
		expect(isCompliantUserId(requireUserId("@Alice:x.org"))).toBe(true);
		expect(isCompliantUserId(requireUserId("@:x.org"))).toBe(false);
		expect(isCompliantUserId(requireUserId("@a b:x.org"))).toBe(false);
		expect(isValidLocalpart("a.b_c=d-e/f+g0")).toBe(true);
		for (const bad of ["", "A", "a b", "a:b", "a*b", "\u00e9", "a#b"]) expect(isValidLocalpart(bad)).toBe(false);
	});

	it("registers only strict localparts within 255 bytes (M_INVALID_USERNAME)", () => {
		const server = requireServerName("example.org");
		expect(requireNewUserId("alice", server)).toBe("@alice:example.org");
		expect(thrown(() => requireNewUserId("Alice", server)).errcode).toBe("M_INVALID_USERNAME");
		expect(thrown(() => requireNewUserId("", server)).errcode).toBe("M_INVALID_USERNAME");
		expect(thrown(() => requireNewUserId("a".repeat(250), server)).errcode).toBe("M_INVALID_USERNAME");
	});
});

describe("room IDs", () => {
	it.each(["!abc:example.org", "!AbC123:1.2.3.4:8448", "!x:[::1]", `!${HASH}`, "!\u00e9:example.org"])("accepts %j", (id) => {
		expect(parseRoomId(id)).toBe(id);
	});

	it.each(["abc:example.org", "!abc", "!:example.org", "!abc:", "!abc:bad_host", `!${HASH}x`, `!${HASH.slice(1)}`, `!${STD_HASH}`, "$abc:example.org"])(
		"rejects %j",
		(id) => {
			expect(parseRoomId(id)).toBeUndefined();
		},
	);

	it("requires the form of the room version", () => {
		expect(parseRoomIdForVersion(ROOM_V11, "!abc:example.org")).toBe("!abc:example.org");
		expect(parseRoomIdForVersion(ROOM_V11, `!${HASH}`)).toBeUndefined();
		expect(parseRoomIdForVersion(ROOM_V12, `!${HASH}`)).toBe(`!${HASH}`);
		expect(parseRoomIdForVersion(ROOM_V12, "!abc:example.org")).toBeUndefined();
	});

	it("maps v12 room IDs to and from create event IDs", () => {
		const createId = requireEventId(`$${HASH}`);
		const roomId = roomIdFromCreateEventId(createId);
		expect(roomId).toBe(`!${HASH}`);
		expect(createEventIdOfRoomId(roomId)).toBe(createId);
		expect(createEventIdOfRoomId("!abc:example.org")).toBeUndefined();
	});

	it("has a server name only in the domain form", () => {
		expect(serverNameOf(requireRoomId("!abc:example.org:8448"))).toBe("example.org:8448");
		expect(serverNameOf(requireRoomId(`!${HASH}`))).toBeUndefined();
	});
});

describe("event IDs", () => {
	it.each(["$abc:example.org", `$${HASH}`, `$${STD_HASH}`, "$1234567890:[::1]:8448"])("accepts %j", (id) => {
		expect(parseEventId(id)).toBe(id);
	});

	it.each(["abc:example.org", "$abc", "$:example.org", "$abc:bad host", `$${HASH}==`, `$${HASH.slice(2)}`, "!abc:example.org", ""])("rejects %j", (id) => {
		expect(parseEventId(id)).toBeUndefined();
	});

	it("requires the form of the room version", () => {
		expect(parseEventIdForVersion(ROOM_V1, "$abc:example.org")).toBe("$abc:example.org");
		expect(parseEventIdForVersion(ROOM_V1, `$${HASH}`)).toBeUndefined();
		expect(parseEventIdForVersion(ROOM_V3, `$${STD_HASH}`)).toBe(`$${STD_HASH}`);
		expect(parseEventIdForVersion(ROOM_V3, `$${HASH}`)).toBeUndefined();
		expect(parseEventIdForVersion(ROOM_V4, `$${HASH}`)).toBe(`$${HASH}`);
		expect(parseEventIdForVersion(ROOM_V4, `$${STD_HASH}`)).toBeUndefined();
		expect(parseEventIdForVersion(ROOM_V4, "$abc:example.org")).toBeUndefined();
	});

	it("has a server name only in v1/v2 form", () => {
		expect(serverNameOf(requireEventId("$abc:example.org"))).toBe("example.org");
		expect(serverNameOf(`$${HASH}` as EventId)).toBeUndefined();
	});

	it("limits event IDs to 255 bytes", () => {
		expect(parseEventId(`$${"a".repeat(242)}:example.org`)).toBeDefined();
		expect(parseEventId(`$${"a".repeat(243)}:example.org`)).toBeUndefined();
	});
});

describe("room aliases", () => {
	it.each(["#room:example.org", "#Room With Spaces:example.org", "#\u00e9:1.2.3.4:80"])("accepts %j", (alias) => {
		expect(parseRoomAlias(alias)).toBe(alias);
	});
	it.each(["room:example.org", "#room", "#:example.org", "#ro\u0000om:example.org", "#room:bad host", `#${"a".repeat(250)}:example.org`])(
		"rejects %j",
		(alias) => {
			expect(parseRoomAlias(alias)).toBeUndefined();
		},
	);
	it("splits localpart and server name", () => {
		const alias = parseRoomAlias("#room:example.org:8448");
		expect(alias && aliasLocalpartOf(alias)).toBe("room");
		expect(alias && serverNameOf(alias)).toBe("example.org:8448");
	});
});

describe("device IDs", () => {
	it.each(["ABCDEFGH", "device-1", "Ünïcode", "a b"])("accepts %j", (id) => {
		expect(parseDeviceId(id)).toBe(id);
	});
	it.each(["", "a\nb", "a\u0000", "x".repeat(256), "\ud800"])("rejects %j", (id) => {
		expect(parseDeviceId(id)).toBeUndefined();
	});
	it("knows the opaque identifier grammar", () => {
		expect(isOpaqueDeviceId("AbC-._~9")).toBe(true);
		expect(isOpaqueDeviceId("a b")).toBe(false);
	});
});

describe("serverNameOf on plain strings", () => {
	it("answers undefined for strings without a valid server part", () => {
		expect(serverNameOf("no-colon")).toBeUndefined();
		expect(serverNameOf(":example.org")).toBeUndefined();
		expect(serverNameOf("@a:bad host")).toBeUndefined();
		const s: ServerName | undefined = serverNameOf("@a:example.org");
		expect(s).toBe("example.org");
	});
});
