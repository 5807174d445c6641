// Event IDs per room version, the v12 room ID derived from the create event, and the RoomEvent view.
import { describe, expect, it } from "vitest";
import { computeEventId, roomIdFromCreateEvent, toRoomEvent } from "../../../src/protocol/events/event-id";
import { computeContentHash } from "../../../src/protocol/events/hashes";
import type { Pdu, PduV3 } from "../../../src/protocol/events/pdu";
import { ROOM_V1, ROOM_V10, ROOM_V11, ROOM_V12, ROOM_V3, ROOM_V4 } from "../../../src/protocol/room-versions/rules";

/**
 * A v12 create event with its expected hashes, computed independently of our code with Python's hashlib and
 * json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) after redacting by hand under the
 * v11 rules (all create content kept; origin, unsigned and signatures dropped). Its reference hash has
 * both `+` and `/` in standard base64, so the URL-safe alphabet is exercised.
 */
const V12_CREATE = {
	type: "m.room.create",
	state_key: "",
	sender: "@alice:example.org",
	origin: "example.org",
	origin_server_ts: 1700000000001,
	depth: 1,
	prev_events: [],
	auth_events: [],
	content: { room_version: "12", additional_creators: ["@bob:example.com"], "m.federate": true, "local.extra": { n: [1, 2] } },
	signatures: { "example.org": { "ed25519:a": "ignored" } },
	unsigned: { age_ts: 5 },
	hashes: { sha256: "b8q8Vn2rhrZbjRwK/zdHKFqpwOTeiN2LAx2zYvK74Ks" },
} satisfies Pdu;
const V12_ROOM_ID = "!5wySDMmT_2MZNFcvCPdD-w0iXCqI0FxfYDlIckmGIho";

const message = (extra: Partial<PduV3> = {}): PduV3 => ({
	room_id: "!r:x",
	type: "m.room.message",
	sender: "@a:x",
	origin_server_ts: 10,
	depth: 4,
	content: { body: "hi" },
	prev_events: ["$p"],
	auth_events: ["$a1", "$a2"],
	hashes: { sha256: "h" },
	signatures: {},
	...extra,
});

describe("computeEventId", () => {
	it("reads event_id in v1/v2 and rejects events without one", async () => {
		expect(await computeEventId({ ...message(), event_id: "$e:x" }, ROOM_V1)).toBe("$e:x");
		await expect(computeEventId(message(), ROOM_V1)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
	});
	it("hashes in v3+, with the standard alphabet in v3 and the URL-safe one from v4", async () => {
		// Found by search: an event whose reference hash holds both `+` and `/`.
		let event = message();
		for (let ts = 0; ; ts++) {
			event = message({ origin_server_ts: ts });
			const id = await computeEventId(event, ROOM_V3);
			if (id.includes("+") && id.includes("/")) break;
		}
		const v3 = await computeEventId(event, ROOM_V3);
		const v4 = await computeEventId(event, ROOM_V4);
		expect(v3).toMatch(/^\$[A-Za-z0-9+/]{43}$/);
		expect(v4).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
		expect(v4).toBe(v3.replaceAll("+", "-").replaceAll("/", "_"));
	});
	it("ignores unsigned, signatures and a supplied event_id in v3+, but not other keys", async () => {
		const id = await computeEventId(message(), ROOM_V10);
		expect(await computeEventId(message({ unsigned: { age: 1 }, signatures: { y: { "ed25519:1": "s" } } }), ROOM_V10)).toBe(id);
		expect(await computeEventId(message({ hashes: { sha256: "other" } }), ROOM_V10)).not.toBe(id);
		// Content is redacted away, so only the content hash in `hashes` ties the ID to it.
		expect(await computeEventId(message({ content: { body: "changed" } }), ROOM_V10)).toBe(id);
	});
});

describe("v12 room IDs", () => {
	it("matches the independently computed content hash and room ID", async () => {
		expect(await computeContentHash(V12_CREATE)).toBe(V12_CREATE.hashes.sha256);
		expect(await roomIdFromCreateEvent(V12_CREATE, ROOM_V12)).toBe(V12_ROOM_ID);
		expect(await computeEventId(V12_CREATE, ROOM_V12)).toBe(`$${V12_ROOM_ID.slice(1)}`);
	});
	it("toRoomEvent derives the create event's room_id", async () => {
		const event = await toRoomEvent(V12_CREATE, ROOM_V12);
		expect(event.room_id).toBe(V12_ROOM_ID);
		expect(event.event_id).toBe(`$${V12_ROOM_ID.slice(1)}`);
	});
	it("depends on all of the create content, and not on unsigned or signatures", async () => {
		const { hashes: _h, ...rest } = V12_CREATE;
		const withContent = async (content: Pdu["content"]) => {
			const draft = { ...rest, content };
			return roomIdFromCreateEvent({ ...draft, hashes: { sha256: await computeContentHash(draft) } }, ROOM_V12);
		};
		expect(await withContent(V12_CREATE.content)).toBe(V12_ROOM_ID);
		expect(await withContent({ ...V12_CREATE.content, "local.extra": { n: [1] } })).not.toBe(V12_ROOM_ID);
		expect(await roomIdFromCreateEvent({ ...V12_CREATE, unsigned: {}, signatures: {} }, ROOM_V12)).toBe(V12_ROOM_ID);
		// `origin` is no longer covered from v11.
		expect(await roomIdFromCreateEvent({ ...V12_CREATE, origin: "elsewhere" }, ROOM_V12)).toBe(V12_ROOM_ID);
	});
	it("is the same for the create event and its redacted copy", async () => {
		const { unsigned: _u, origin: _o, ...redacted } = V12_CREATE;
		expect(await roomIdFromCreateEvent(redacted, ROOM_V12)).toBe(V12_ROOM_ID);
	});
});

describe("toRoomEvent", () => {
	it("turns event format 1 reference pairs into IDs", async () => {
		const pdu: Pdu = {
			...message(),
			event_id: "$e:x",
			prev_events: [["$p:x", { sha256: "a" }]],
			auth_events: [["$a1:x", { sha256: "b" }], ["$a2:x", { sha256: "c" }]],
		};
		const event = await toRoomEvent(pdu, ROOM_V1);
		expect(event).toEqual({
			event_id: "$e:x",
			room_id: "!r:x",
			type: "m.room.message",
			sender: "@a:x",
			origin_server_ts: 10,
			depth: 4,
			content: { body: "hi" },
			prev_events: ["$p:x"],
			auth_events: ["$a1:x", "$a2:x"],
			pdu,
		});
	});
	it("keeps bare IDs in event format 2 and computes the event ID", async () => {
		const pdu = message({ state_key: "" });
		const event = await toRoomEvent(pdu, ROOM_V10);
		expect(event.event_id).toBe(await computeEventId(pdu, ROOM_V10));
		expect(event.prev_events).toEqual(["$p"]);
		expect(event.auth_events).toEqual(["$a1", "$a2"]);
		expect(event.state_key).toBe("");
		expect(event.pdu).toBe(pdu);
	});
	it("rejects references in the other event format", async () => {
		await expect(toRoomEvent({ ...message(), event_id: "$e:x" }, ROOM_V1)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
		const pairs: Pdu = { ...message(), event_id: "$e:x", prev_events: [["$p", { sha256: "a" }]], auth_events: [] };
		await expect(toRoomEvent(pairs, ROOM_V10)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
	});
	it("reads redacts from the top level before v11 and from content from v11", async () => {
		const redaction = message({ type: "m.room.redaction", redacts: "$top", content: { redacts: "$content" } });
		expect((await toRoomEvent(redaction, ROOM_V10)).redacts).toBe("$top");
		expect((await toRoomEvent(redaction, ROOM_V11)).redacts).toBe("$content");
		expect((await toRoomEvent(message({ redacts: "$top", content: { redacts: "$c" } }), ROOM_V11)).redacts).toBeUndefined();
	});
	it("uses the carried room_id for other v12 events and requires it", async () => {
		expect((await toRoomEvent(message({ room_id: V12_ROOM_ID }), ROOM_V12)).room_id).toBe(V12_ROOM_ID);
		const { room_id: _r, ...noRoom } = message();
		await expect(toRoomEvent(noRoom, ROOM_V12)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
		await expect(toRoomEvent(noRoom, ROOM_V11)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
	});
	it.each([
		["type", { type: 1 }],
		["sender", { sender: null }],
		["state_key", { state_key: 5 }],
		["content", { content: [] }],
		["depth", { depth: 1.5 }],
		["origin_server_ts", { origin_server_ts: "10" }],
	])("rejects a malformed %s", async (_field, patch) => {
		await expect(toRoomEvent({ ...message(), ...patch } as Pdu, ROOM_V10)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
	});
});
