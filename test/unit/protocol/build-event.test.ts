// Building local events per room version: the envelope, where `redacts` goes, the v12 create event, and
// that the result is a correctly hashed and signed PDU whose ID is its reference hash.
import { beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed, type SigningKey } from "../../../src/protocol/crypto/ed25519";
import { buildEventDraft, buildSignedEvent, type EventPlacement } from "../../../src/protocol/events/build-event";
import { computeEventId } from "../../../src/protocol/events/event-id";
import { checkContentHash } from "../../../src/protocol/events/hashes";
import { verifyEvent } from "../../../src/protocol/events/sign-event";
import { ROOM_V1, ROOM_V10, ROOM_V11, ROOM_V12 } from "../../../src/protocol/room-versions/rules";

let key: SigningKey;
beforeAll(async () => {
	key = await signingKeyFromSeed("ed25519:t", new Uint8Array(32).fill(7));
});

const base: EventPlacement = {
	type: "m.room.message",
	sender: "@a:x.example",
	content: { body: "hi" },
	room_id: "!r:x.example",
	origin_server_ts: 1_700_000_000_000,
	prev_events: ["$p"],
	auth_events: ["$c", "$m"],
	depth: 5,
};

describe("buildEventDraft", () => {
	it("lays out the PDU fields and keeps the state key only for state events", () => {
		expect(buildEventDraft(ROOM_V11, base)).toEqual({
			type: "m.room.message",
			sender: "@a:x.example",
			room_id: "!r:x.example",
			origin_server_ts: 1_700_000_000_000,
			content: { body: "hi" },
			depth: 5,
			prev_events: ["$p"],
			auth_events: ["$c", "$m"],
		});
		expect(buildEventDraft(ROOM_V11, { ...base, type: "m.room.name", state_key: "" }).state_key).toBe("");
	});

	it("puts redacts top-level in v10 and into content from v11", () => {
		const redaction = { ...base, type: "m.room.redaction", content: { reason: "r" }, redacts: "$x" };
		const v10 = buildEventDraft(ROOM_V10, redaction);
		expect(v10.redacts).toBe("$x");
		expect(v10.content).toEqual({ reason: "r" });
		const v11 = buildEventDraft(ROOM_V11, redaction);
		expect(v11.redacts).toBeUndefined();
		expect(v11.content).toEqual({ reason: "r", redacts: "$x" });
	});

	it("omits room_id from the v12 create event and requires it elsewhere", () => {
		const create = { ...base, type: "m.room.create", state_key: "", room_id: undefined, prev_events: [], auth_events: [], depth: 1 };
		expect("room_id" in buildEventDraft(ROOM_V12, create)).toBe(false);
		expect(() => buildEventDraft(ROOM_V11, create)).toThrow(/room_id/);
		expect(() => buildEventDraft(ROOM_V1, base)).toThrow(expect.objectContaining({ errcode: "M_UNSUPPORTED_ROOM_VERSION" }));
	});
});

describe("buildSignedEvent", () => {
	it("hashes and signs so that verifyEvent accepts it, and the event ID is the reference hash", async () => {
		const { event, pdu_json } = await buildSignedEvent(ROOM_V11, base, "x.example", key);
		const pdu = JSON.parse(pdu_json);
		expect(await checkContentHash(pdu)).toBe(true);
		expect(event.event_id).toBe(await computeEventId(pdu, ROOM_V11));
		const lookup = () => ({ key: key.publicKeyBase64, valid_until_ts: Number.MAX_SAFE_INTEGER });
		expect(await verifyEvent(pdu, ROOM_V11, lookup)).toEqual({ verdict: "ok" });
	});

	it("derives the v12 room ID from the create event", async () => {
		const create = { ...base, type: "m.room.create", state_key: "", content: { room_version: "12" }, room_id: undefined, prev_events: [], auth_events: [], depth: 1 };
		const { event } = await buildSignedEvent(ROOM_V12, create, "x.example", key);
		expect(event.room_id).toBe(`!${event.event_id.slice(1)}`);
	});

	it("refuses floats (v6+ canonical JSON) and oversized events", async () => {
		await expect(buildSignedEvent(ROOM_V11, { ...base, content: { n: 1.5 } }, "x.example", key)).rejects.toMatchObject({ errcode: "M_BAD_JSON" });
		await expect(buildSignedEvent(ROOM_V11, { ...base, content: { body: "x".repeat(70_000) } }, "x.example", key)).rejects.toMatchObject({ errcode: "M_TOO_LARGE" });
	});
});
