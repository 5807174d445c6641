// Which servers must sign an event, and how verifyEvent tells a forged event (drop) from a redacted one (redact).
import { beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed, type SigningKey } from "../../../src/protocol/crypto/ed25519";
import type { EventJson, Pdu, PduDraft, PduV1, PduV3 } from "../../../src/protocol/events/pdu";
import { redactEvent } from "../../../src/protocol/events/redaction";
import {
	requiredServerSignatures,
	signEvent,
	verifyEvent,
	type KeyLookup,
	type ServerVerifyKey,
} from "../../../src/protocol/events/sign-event";
import { decodeBase64, encodeBase64 } from "../../../src/protocol/json/base64";
import {
	ROOM_V1,
	ROOM_V10,
	ROOM_V11,
	ROOM_V12,
	ROOM_V4,
	ROOM_V5,
	ROOM_V7,
	ROOM_V8,
	ROOM_V9,
	type RoomVersionRules,
} from "../../../src/protocol/room-versions/rules";

const TS = 1_700_000_000_000;
let keys: Record<string, SigningKey>;
/** The key ring: every test server's key, valid far beyond TS unless a test overrides it. */
let ring: Map<string, ServerVerifyKey>;
const lookup: KeyLookup = (server, keyId) => ring.get(`${server} ${keyId}`);

beforeAll(async () => {
	keys = {
		"x.example": await signingKeyFromSeed("ed25519:1", decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")!),
		"y.example": await signingKeyFromSeed("ed25519:y", new Uint8Array(32).fill(2)),
		"z.example": await signingKeyFromSeed("ed25519:z", new Uint8Array(32).fill(3)),
	};
});
const resetRing = () => {
	ring = new Map(Object.entries(keys).map(([server, k]) => [`${server} ${k.keyId}`, { key: k.publicKeyBase64, valid_until_ts: TS * 2 }]));
};

const draft = (extra: Partial<PduV3> = {}): PduV3 => ({
	room_id: "!r:x.example",
	type: "m.room.message",
	sender: "@alice:x.example",
	origin_server_ts: TS,
	depth: 5,
	content: { body: "hello", msgtype: "m.text" },
	prev_events: ["$p"],
	auth_events: ["$a"],
	hashes: { sha256: "" },
	signatures: {},
	unsigned: { age_ts: TS },
	...extra,
});
const member = (membership: string, content: Record<string, string | Record<string, string>> = {}): PduV3 =>
	draft({ type: "m.room.member", state_key: "@alice:x.example", content: { membership, ...content } });
const v1Draft = (eventId: string): PduV1 => ({ ...draft(), event_id: eventId, prev_events: [], auth_events: [] });
const sign = (event: PduDraft, server: string, rules: RoomVersionRules): Promise<Pdu> => signEvent(event, server, keys[server]!, rules);

describe("requiredServerSignatures", () => {
	const required = (event: EventJson, rules: RoomVersionRules) => requiredServerSignatures(event, rules).sort();

	it("is the sender's server", () => {
		expect(required(draft(), ROOM_V10)).toEqual(["x.example"]);
		expect(required(draft(), ROOM_V12)).toEqual(["x.example"]);
	});
	it("adds the event ID's server in v1/v2 only", () => {
		expect(required(v1Draft("$e:y.example"), ROOM_V1)).toEqual(["x.example", "y.example"]);
		expect(required(v1Draft("$e:x.example"), ROOM_V1)).toEqual(["x.example"]);
		expect(required({ ...draft(), event_id: "$e:y.example" }, ROOM_V4)).toEqual(["x.example"]);
	});
	it("skips the sender's server for an invite made from a third-party invite", () => {
		const tpi = member("invite", { third_party_invite: { display_name: "c" } });
		expect(required(tpi, ROOM_V10)).toEqual([]);
		expect(required({ ...tpi, event_id: "$e:y.example", prev_events: [], auth_events: [] }, ROOM_V1)).toEqual(["y.example"]);
		expect(required(member("invite"), ROOM_V10)).toEqual(["x.example"]);
		// A join that carries third_party_invite (accepting one) still needs the sender's server.
		expect(required(member("join", { third_party_invite: { display_name: "c" } }), ROOM_V10)).toEqual(["x.example"]);
	});
	it("adds the server of join_authorised_via_users_server on member events from v8", () => {
		const join = member("join", { join_authorised_via_users_server: "@bob:z.example" });
		expect(required(join, ROOM_V7)).toEqual(["x.example"]);
		expect(required(join, ROOM_V8)).toEqual(["x.example", "z.example"]);
		expect(required(join, ROOM_V12)).toEqual(["x.example", "z.example"]);
		// The v8 auth rule names no membership: any member event carrying the key needs that signature.
		expect(required(member("leave", { join_authorised_via_users_server: "@bob:z.example" }), ROOM_V10)).toEqual(["x.example", "z.example"]);
		expect(required(draft({ content: { join_authorised_via_users_server: "@bob:z.example" } }), ROOM_V10)).toEqual(["x.example"]);
		expect(required(member("join", { join_authorised_via_users_server: "@bob:x.example" }), ROOM_V10)).toEqual(["x.example"]);
	});
	it.each([
		["a sender without a server", draft({ sender: "alice" }), ROOM_V10],
		["a sender with an invalid server", draft({ sender: "@alice:bad_host!" }), ROOM_V10],
		["a v1 event ID without a server", v1Draft("$e"), ROOM_V1],
		["a malformed authoriser", member("join", { join_authorised_via_users_server: "bob" }), ROOM_V9],
	])("throws M_BAD_JSON for %s", (_name, event, rules) => {
		expect(() => requiredServerSignatures(event, rules)).toThrow(expect.objectContaining({ errcode: "M_BAD_JSON" }));
	});
});

describe("signEvent", () => {
	it("keeps other servers' signatures and other hashes", async () => {
		const once = await sign(member("join", { join_authorised_via_users_server: "@bob:z.example" }), "z.example", ROOM_V10);
		const twice = await sign({ ...once, hashes: { ...once.hashes, other: "kept" } }, "x.example", ROOM_V10);
		expect(Object.keys(twice.signatures).sort()).toEqual(["x.example", "z.example"]);
		expect(twice.signatures["z.example"]).toEqual(once.signatures["z.example"]);
		expect(twice.hashes).toEqual({ sha256: once.hashes.sha256, other: "kept" });
		expect(twice.unsigned).toEqual({ age_ts: TS });
	});
});

describe("verifyEvent", () => {
	beforeAll(resetRing);

	it("accepts a correctly signed event, also with an async key lookup", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		expect(await verifyEvent(signed, ROOM_V10, lookup)).toEqual({ verdict: "ok" });
		expect(await verifyEvent(signed, ROOM_V10, async (s, k) => lookup(s, k))).toEqual({ verdict: "ok" });
	});

	it("redacts when only the content changed: the signature covers the redacted form, the hash the full one", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		const tampered: Pdu = { ...signed, content: { body: "forged", msgtype: "m.text" } };
		expect(await verifyEvent(tampered, ROOM_V10, lookup)).toEqual({ verdict: "redact", redacted: redactEvent(tampered, ROOM_V10) });
	});

	it("redacts a copy that was redacted in transit (its signature still holds)", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V11);
		const copy = redactEvent(signed, ROOM_V11);
		expect(await verifyEvent(copy, ROOM_V11, lookup)).toEqual({ verdict: "redact", redacted: copy });
	});

	it("ignores changes to unsigned", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		expect(await verifyEvent({ ...signed, unsigned: { age: 99 } }, ROOM_V10, lookup)).toEqual({ verdict: "ok" });
	});

	it.each([
		["origin_server_ts", { origin_server_ts: TS + 1 }],
		["type", { type: "m.room.other" }],
		["prev_events", { prev_events: ["$q"] }],
		["room_id", { room_id: "!s:x.example" }],
		["hashes", { hashes: { sha256: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos" } }],
	])("drops an event whose signed field %s changed", async (_field, patch) => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		expect(await verifyEvent({ ...signed, ...patch } as Pdu, ROOM_V10, lookup)).toMatchObject({
			verdict: "drop",
			reason: "bad_signature",
			server: "x.example",
			keyId: "ed25519:1",
		});
	});

	it("drops a flipped signature bit and a signature by another key", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		const sig = decodeBase64(signed.signatures["x.example"]!["ed25519:1"]!)!;
		sig[10]! ^= 0x40;
		const flipped = { ...signed, signatures: { "x.example": { "ed25519:1": encodeBase64(sig) } } };
		expect(await verifyEvent(flipped, ROOM_V10, lookup)).toMatchObject({ verdict: "drop", reason: "bad_signature" });
		const byY = await sign(draft(), "y.example", ROOM_V10);
		const misfiled = { ...signed, signatures: { "x.example": { "ed25519:1": byY.signatures["y.example"]!["ed25519:y"]! } } };
		expect(await verifyEvent(misfiled, ROOM_V10, lookup)).toMatchObject({ verdict: "drop", reason: "bad_signature" });
	});

	it("drops an event without the sender's server's signature", async () => {
		const byY = await sign(draft(), "y.example", ROOM_V10);
		expect(await verifyEvent(byY, ROOM_V10, lookup)).toMatchObject({ verdict: "drop", reason: "missing_signature", server: "x.example" });
	});

	it("drops when no signature of the server is under a key we know, or under an algorithm we understand", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		const sig = signed.signatures["x.example"]!["ed25519:1"]!;
		const entries: Record<string, string>[] = [{ "ed25519:unknown": sig }, { "curve25519:1": sig }, {}];
		for (const entry of entries) {
			expect(await verifyEvent({ ...signed, signatures: { "x.example": entry } }, ROOM_V10, lookup)).toMatchObject({
				verdict: "drop",
				reason: "no_usable_key",
			});
		}
	});

	it("needs every known key's signature to verify, and ignores signatures under unknown keys", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		const good = signed.signatures["x.example"]!["ed25519:1"]!;
		const withUnknown = { ...signed, signatures: { "x.example": { "ed25519:1": good, "ed25519:old": "AAAA" } } };
		expect(await verifyEvent(withUnknown, ROOM_V10, lookup)).toEqual({ verdict: "ok" });
		ring.set("x.example ed25519:old", { key: keys["y.example"]!.publicKeyBase64, valid_until_ts: TS * 2 });
		try {
			expect(await verifyEvent(withUnknown, ROOM_V10, lookup)).toMatchObject({ verdict: "drop", reason: "bad_signature", keyId: "ed25519:old" });
		} finally {
			resetRing();
		}
	});

	it("enforces key validity at origin_server_ts from v5 only", async () => {
		ring.set("x.example ed25519:1", { key: keys["x.example"]!.publicKeyBase64, valid_until_ts: TS - 1 });
		try {
			const v4 = await sign(draft(), "x.example", ROOM_V4);
			expect(await verifyEvent(v4, ROOM_V4, lookup)).toEqual({ verdict: "ok" });
			const v5 = await sign(draft(), "x.example", ROOM_V5);
			expect(await verifyEvent(v5, ROOM_V5, lookup)).toMatchObject({ verdict: "drop", reason: "no_usable_key" });
			// "at least as large as the origin_server_ts": equal is still valid.
			ring.set("x.example ed25519:1", { key: keys["x.example"]!.publicKeyBase64, valid_until_ts: TS });
			expect(await verifyEvent(v5, ROOM_V5, lookup)).toEqual({ verdict: "ok" });
		} finally {
			resetRing();
		}
	});

	it("needs the event ID's server in v1 rooms", async () => {
		const bySender = await sign(v1Draft("$e:y.example"), "x.example", ROOM_V1);
		expect(await verifyEvent(bySender, ROOM_V1, lookup)).toMatchObject({ verdict: "drop", reason: "missing_signature", server: "y.example" });
		const byBoth = await sign(bySender, "y.example", ROOM_V1);
		expect(await verifyEvent(byBoth, ROOM_V1, lookup)).toEqual({ verdict: "ok" });
	});

	it("needs the authorising server of a restricted join", async () => {
		const join = member("join", { join_authorised_via_users_server: "@bob:z.example" });
		const bySender = await sign(join, "x.example", ROOM_V9);
		expect(await verifyEvent(bySender, ROOM_V9, lookup)).toMatchObject({ verdict: "drop", reason: "missing_signature", server: "z.example" });
		const byBoth = await sign(bySender, "z.example", ROOM_V9);
		expect(await verifyEvent(byBoth, ROOM_V9, lookup)).toEqual({ verdict: "ok" });
		// v7 has no restricted joins, so the sender's signature is enough.
		expect(await verifyEvent(await sign(join, "x.example", ROOM_V7), ROOM_V7, lookup)).toEqual({ verdict: "ok" });
	});

	it("signs and verifies a v12 create event, which has no room_id", async () => {
		const { room_id: _r, ...create } = draft({ type: "m.room.create", state_key: "", content: { room_version: "12" }, prev_events: [], auth_events: [] });
		const signed = await sign(create, "x.example", ROOM_V12);
		expect(signed).not.toHaveProperty("room_id");
		expect(await verifyEvent(signed, ROOM_V12, lookup)).toEqual({ verdict: "ok" });
	});

	it("does not need the sender's server for an invite from a third-party invite", async () => {
		const invite = member("invite", { third_party_invite: { display_name: "c" } });
		expect(await verifyEvent(await sign(invite, "y.example", ROOM_V10), ROOM_V10, lookup)).toEqual({ verdict: "ok" });
	});

	it.each([
		["no hashes", (e: Pdu): Pdu => ({ ...e, hashes: {} as Pdu["hashes"] })],
		["no signatures", (e: Pdu): Pdu => ({ ...e, signatures: null as unknown as Pdu["signatures"] })],
		["a sender without a server", (e: Pdu): Pdu => ({ ...e, sender: "alice" })],
		["a float in content", (e: Pdu): Pdu => ({ ...e, content: { n: 1.5 } })],
		["an integer out of range in a signed field", (e: Pdu): Pdu => ({ ...e, depth: 2 ** 60 })],
		["content that is not an object", (e: Pdu): Pdu => ({ ...e, content: "x" as unknown as Pdu["content"] })],
	])("drops a malformed event: %s", async (_name, mutate) => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		expect(await verifyEvent(mutate(signed), ROOM_V10, lookup)).toMatchObject({ verdict: "drop", reason: "malformed" });
	});

	it("drops an event whose origin_server_ts is missing when key validity is enforced", async () => {
		const signed = await sign(draft(), "x.example", ROOM_V10);
		const { origin_server_ts: _t, ...rest } = signed;
		expect(await verifyEvent(rest as Pdu, ROOM_V10, lookup)).toMatchObject({ verdict: "drop", reason: "malformed" });
	});
});
