// v12 rule 2 (room ID names an accepted create event) and the auth_events rules (2.x in v1–v11, 3.x in v12).
import { describe, expect, it } from "vitest";
import { checkAuthAgainstAuthEvents, checkStateIndependentAuthRules, MissingAuthEventError } from "../../../../src/protocol/auth";
import { ROOM_V12 } from "../../../../src/protocol/room-versions/rules";
import { ALICE, ALL_VERSIONS, BOB, expectAllowed, expectRejected, JOIN_RULES, join, pick, PL, standardRoom } from "./room";

const AUTH = { 1: "2", 12: "3" };

describe.each(ALL_VERSIONS.map((rules) => [rules.id, rules] as const))("room version %s: auth_events", (_id, rules) => {
	const n = (sub: number) => `${pick(rules, AUTH)}.${sub}`;

	it("allows an event citing exactly what the selection algorithm picks", async () => {
		const room = await standardRoom(rules);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: { body: "hi" } });
		expectAllowed(room.checkIndependent(message));
	});

	it("rejects duplicate (type, state_key) entries (x.1)", async () => {
		const room = await standardRoom(rules);
		const oldPl = room.stateLookup(PL, "")!;
		await room.send({ type: PL, sender: ALICE, state_key: "", content: oldPl.content });
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		message.auth_events = [...message.auth_events, oldPl.event_id];
		expectRejected(room.checkIndependent(message), n(1));
	});

	it("rejects entries the selection algorithm does not pick (x.2)", async () => {
		const room = await standardRoom(rules);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		message.auth_events = [...message.auth_events, room.stateLookup(JOIN_RULES, "")!.event_id];
		expectRejected(room.checkIndependent(message), n(2));
	});

	it("rejects a non-state entry (x.2)", async () => {
		const room = await standardRoom(rules);
		const msg = await room.send({ type: "m.room.message", sender: ALICE, content: {} });
		const next = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		next.auth_events = [...next.auth_events, msg.event_id];
		expectRejected(room.checkIndependent(next), n(2));
	});

	it("rejects rejected entries (x.3)", async () => {
		const room = await standardRoom(rules);
		const pl = room.stateLookup(PL, "")!;
		room.events.set(pl.event_id, { event: pl, rejected: true });
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		expectRejected(room.checkIndependent(message), n(3));
	});

	it("rejects entries from another room (last sub-rule)", async () => {
		const room = await standardRoom(rules);
		const foreignId = rules.eventIdFormat === "server-generated" ? "$foreign:a.example" : `$${"f".repeat(43)}`;
		const foreign = room.build({ type: PL, sender: ALICE, state_key: "", content: {}, room_id: "!elsewhere:a.example", event_id: foreignId });
		room.force(foreign);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		expectRejected(room.checkIndependent(message), pick(rules, { 1: "2.5", 12: "3.4" }));
	});

	it("throws MissingAuthEventError rather than rejecting when an auth event is unknown", async () => {
		const room = await standardRoom(rules);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		message.auth_events = [...message.auth_events, "$unknown:a.example"];
		expect(() => room.checkIndependent(message)).toThrow(MissingAuthEventError);
	});
});

describe("the create event among auth_events", () => {
	it.each(ALL_VERSIONS.filter((r) => !r.auth.roomIdIsCreateEventId).map((r) => [r.id, r] as const))(
		'v%s: 2.4 "If there is no m.room.create event among the entries, reject."',
		async (_id, rules) => {
			const room = await standardRoom(rules);
			const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
			message.auth_events = message.auth_events.filter((id) => id !== room.create.event_id);
			expectRejected(room.checkIndependent(message), "2.4");
		},
	);

	it("v12: citing the create event is an entry the selection algorithm does not pick (3.2)", async () => {
		const room = await standardRoom(ROOM_V12);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		expect(message.auth_events).not.toContain(room.create.event_id);
		message.auth_events = [...message.auth_events, room.create.event_id];
		expectRejected(room.checkIndependent(message), "3.2");
	});
});

describe("v12 rule 2: the room ID names an accepted create event", () => {
	it("allows events in the room the create event names", async () => {
		const room = await standardRoom(ROOM_V12);
		expect(room.roomId).toBe(`!${room.create.event_id.slice(1)}`);
		expectAllowed(room.checkIndependent(room.build({ type: "m.room.message", sender: ALICE, content: {} })));
	});

	it("rejects a room ID that is not a create event ID", async () => {
		const room = await standardRoom(ROOM_V12);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {}, room_id: "!room:a.example" });
		expectRejected(room.checkIndependent(message), "2");
	});

	it("rejects a room ID naming a rejected create event", async () => {
		const room = await standardRoom(ROOM_V12);
		room.events.set(room.create.event_id, { event: room.create, rejected: true });
		expectRejected(room.checkIndependent(room.build({ type: "m.room.message", sender: ALICE, content: {} })), "2");
	});

	it("rejects a room ID naming an event that is not a create event", async () => {
		const room = await standardRoom(ROOM_V12);
		const pl = room.stateLookup(PL, "")!;
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {}, room_id: `!${pl.event_id.slice(1)}` });
		expectRejected(room.checkIndependent(message), "2");
	});

	it("throws MissingAuthEventError when the create event is unknown", async () => {
		const room = await standardRoom(ROOM_V12);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {}, room_id: `!${"z".repeat(43)}` });
		expect(() => checkStateIndependentAuthRules(ROOM_V12, message, room.lookup)).toThrow(MissingAuthEventError);
	});
});

describe("checkAuthAgainstAuthEvents", () => {
	it.each(ALL_VERSIONS.map((r) => [r.id, r] as const))("v%s checks against the state the auth events name, not the room's", async (_id, rules) => {
		const room = await standardRoom(rules);
		await join(room, BOB);
		// Bob sends a message citing his join; then is kicked. His old message still passes against its auth events.
		const message = room.build({ type: "m.room.message", sender: BOB, content: {} });
		await room.send(room.member(ALICE, BOB, "leave"));
		expectRejected(await room.check(message), pick(rules, { 1: "6", 6: "5", 12: "6" }));
		expectAllowed(await checkAuthAgainstAuthEvents(rules, message, room.lookup));
	});

	it("stops at the state-independent rules", async () => {
		const room = await standardRoom(ROOM_V12);
		const message = room.build({ type: "m.room.message", sender: ALICE, content: {}, auth_events: [] });
		// Without the power levels and sender member events the state-dependent rules would refuse at 6;
		// an empty auth_events list is valid for the state-independent rules, so rule 6 refuses.
		expectRejected(await checkAuthAgainstAuthEvents(ROOM_V12, message, room.lookup), "6");
		message.auth_events = [room.create.event_id];
		expectRejected(await checkAuthAgainstAuthEvents(ROOM_V12, message, room.lookup), "3.2");
	});
});
