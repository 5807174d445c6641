// Stored PDU → ClientEvent: federation-only keys stripped, unsigned computed at read time, redacted
// events served redacted, transaction_id only for the sending device.
import { describe, expect, it } from "vitest";
import { toClientEvent, toStrippedState } from "../../../src/protocol/events/client-event";
import type { EventJson } from "../../../src/protocol/events/pdu";
import { ROOM_V10, ROOM_V11 } from "../../../src/protocol/room-versions/rules";

const pdu: EventJson = {
	type: "m.room.message",
	room_id: "!r:example.org",
	sender: "@alice:example.org",
	origin_server_ts: 1000,
	content: { msgtype: "m.text", body: "hi" },
	depth: 5,
	prev_events: ["$p"],
	auth_events: ["$a"],
	hashes: { sha256: "x" },
	signatures: { "example.org": { "ed25519:1": "sig" } },
	unsigned: { age_ts: 1 },
};

describe("toClientEvent", () => {
	it("keeps only client fields and computes age from the given time", () => {
		const ev = toClientEvent({ pdu, event_id: "$e", rules: ROOM_V11, now: 1500, include_room_id: true });
		expect(ev).toEqual({
			event_id: "$e",
			type: "m.room.message",
			room_id: "!r:example.org",
			sender: "@alice:example.org",
			origin_server_ts: 1000,
			content: { msgtype: "m.text", body: "hi" },
			unsigned: { age: 500 },
		});
	});
	it("leaves out room_id inside sync and never gives a negative age", () => {
		const ev = toClientEvent({ pdu, event_id: "$e", rules: ROOM_V11, now: 10, include_room_id: false });
		expect(ev.room_id).toBeUndefined();
		expect(ev.unsigned?.age).toBe(0);
	});
	it("serves a redacted event redacted, with redacted_because", () => {
		const redaction = toClientEvent({
			pdu: { type: "m.room.redaction", sender: "@alice:example.org", origin_server_ts: 1100, content: { redacts: "$e" } },
			event_id: "$red",
			rules: ROOM_V11,
			now: 1200,
			include_room_id: true,
		});
		expect(redaction.redacts).toBe("$e");
		const ev = toClientEvent({ pdu, event_id: "$e", rules: ROOM_V11, now: 1200, include_room_id: true, redacted_because: redaction });
		expect(ev.content).toEqual({});
		expect(ev.unsigned?.redacted_because).toMatchObject({ event_id: "$red", type: "m.room.redaction" });
		// The input is untouched: the stored PDU must stay as signed.
		expect(pdu.content).toEqual({ msgtype: "m.text", body: "hi" });
	});
	it("keeps the content keys the room version protects when redacting", () => {
		const member: EventJson = { ...pdu, type: "m.room.member", state_key: "@alice:example.org", content: { membership: "join", displayname: "A" } };
		const because = toClientEvent({ pdu: { type: "m.room.redaction", sender: "@a:example.org", origin_server_ts: 1, content: {} }, event_id: "$r", rules: ROOM_V10, now: 1, include_room_id: false });
		const ev = toClientEvent({ pdu: member, event_id: "$m", rules: ROOM_V10, now: 2000, include_room_id: false, redacted_because: because });
		expect(ev.content).toEqual({ membership: "join" });
		expect(ev.state_key).toBe("@alice:example.org");
	});
	it("serves a v10 redaction's top-level redacts", () => {
		const ev = toClientEvent({ pdu: { type: "m.room.redaction", redacts: "$x", sender: "@a:b", origin_server_ts: 1, content: {} }, event_id: "$r", rules: ROOM_V10, now: 1, include_room_id: false });
		expect(ev.redacts).toBe("$x");
	});
	it("adds prev_content and replaces_state for state events only", () => {
		const topic: EventJson = { ...pdu, type: "m.room.topic", state_key: "", content: { topic: "new" } };
		const ev = toClientEvent({ pdu: topic, event_id: "$t2", rules: ROOM_V11, now: 1000, include_room_id: false, replaces: { event_id: "$t1", content: { topic: "old" } } });
		expect(ev.unsigned).toEqual({ age: 0, replaces_state: "$t1", prev_content: { topic: "old" } });
		const msg = toClientEvent({ pdu, event_id: "$m", rules: ROOM_V11, now: 1000, include_room_id: false, replaces: { event_id: "$t1", content: {} } });
		expect(msg.unsigned).toEqual({ age: 0 });
	});
	it("shows transaction_id only to the device that sent the event", () => {
		const txn = { user_id: "@alice:example.org", device_id: "DEV", txn_id: "t1" };
		const forDevice = (user_id: string, device_id?: string) =>
			toClientEvent({ pdu, event_id: "$e", rules: ROOM_V11, now: 1000, include_room_id: false, txn, requester: { user_id, ...(device_id === undefined ? {} : { device_id }) } }).unsigned?.transaction_id;
		expect(forDevice("@alice:example.org", "DEV")).toBe("t1");
		expect(forDevice("@alice:example.org", "OTHER")).toBeUndefined();
		expect(forDevice("@alice:example.org")).toBeUndefined();
		expect(forDevice("@bob:example.org", "DEV")).toBeUndefined();
	});
});

describe("toStrippedState", () => {
	it("keeps type, state_key, sender and content", () => {
		expect(toStrippedState({ ...pdu, type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } })).toEqual({
			type: "m.room.encryption",
			state_key: "",
			sender: "@alice:example.org",
			content: { algorithm: "m.megolm.v1.aes-sha2" },
		});
	});
});
