// Rule 1: m.room.create, in every room version (1.4 differs: creator in v1–v10, none in v11, additional_creators in v12).
import { describe, expect, it } from "vitest";
import { ALICE, ALL_VERSIONS, BOB, CREATE, expectAllowed, expectRejected, TestRoom, versionsFrom } from "./room";

describe.each(ALL_VERSIONS.map((rules) => [rules.id, rules] as const))("room version %s: rule 1 (m.room.create)", (_id, rules) => {
	it("allows a well-formed create event (1.5, or 1.4 in v11)", () => {
		const room = new TestRoom(rules);
		expectAllowed(room.checkIndependent(room.create));
	});

	it('rejects prev_events (1.1 "If it has any prev_events, reject.")', () => {
		const room = new TestRoom(rules);
		const create = room.build({ type: CREATE, sender: ALICE, state_key: "", content: room.create.content, prev_events: ["$other:a.example"], auth_events: [] });
		expectRejected(room.checkIndependent(create), "1.1");
	});

	it("rejects a room_version we do not recognise (1.3)", () => {
		const room = new TestRoom(rules);
		for (const version of ["999", 11]) {
			const create = room.build({ type: CREATE, sender: ALICE, state_key: "", content: { ...room.create.content, room_version: version }, prev_events: [], auth_events: [] });
			if (!rules.auth.roomIdIsCreateEventId) create.room_id = room.roomId;
			expectRejected(room.checkIndependent(create), "1.3");
		}
	});

	it("has no state-dependent rules", async () => {
		const room = new TestRoom(rules);
		expectAllowed(await room.check(room.create));
	});
});

describe("rule 1.2: where the room ID comes from", () => {
	it.each(versionsFrom(1, 11).map((r) => [r.id, r] as const))("v%s rejects a room_id whose domain is not the sender's", (_id, rules) => {
		const room = new TestRoom(rules);
		const create = room.build({ type: CREATE, sender: ALICE, state_key: "", content: room.create.content, prev_events: [], auth_events: [], room_id: "!room:b.example" });
		expectRejected(room.checkIndependent(create), "1.2");
	});

	it("v12 rejects a create event that carries a room_id", () => {
		const [rules] = versionsFrom(12);
		const room = new TestRoom(rules!);
		const create = room.build({ type: CREATE, sender: ALICE, state_key: "", content: room.create.content, prev_events: [], auth_events: [] });
		create.pdu.room_id = room.roomId;
		expectRejected(room.checkIndependent(create), "1.2");
		delete create.pdu.room_id;
		expectAllowed(room.checkIndependent(create));
	});
});

describe("rule 1.4, by version", () => {
	it.each(versionsFrom(1, 10).map((r) => [r.id, r] as const))('v%s: "If content has no creator property, reject."', (_id, rules) => {
		const room = new TestRoom(rules);
		const { creator: _c, ...content } = room.create.content;
		const create = room.build({ type: CREATE, sender: ALICE, state_key: "", content, prev_events: [], auth_events: [] });
		expectRejected(room.checkIndependent(create), "1.4");
	});

	it.each(versionsFrom(11).map((r) => [r.id, r] as const))("v%s needs no creator property", (_id, rules) => {
		const room = new TestRoom(rules);
		expect(room.create.content.creator).toBeUndefined();
		expectAllowed(room.checkIndependent(room.create));
	});

	it.each([
		["not an array", BOB],
		["a non-string entry", [BOB, 7]],
		["an invalid user ID", [BOB, "bob"]],
		["a user ID with a bad server name", ["@bob:bad host"]],
	])("v12 rejects additional_creators with %s", (_what, additional) => {
		const [rules] = versionsFrom(12);
		const room = new TestRoom(rules!, ALICE, { additional_creators: additional });
		expectRejected(room.checkIndependent(room.create), "1.4");
	});

	it("v12 accepts additional_creators that are user IDs, historical ones included", () => {
		const [rules] = versionsFrom(12);
		const room = new TestRoom(rules!, ALICE, { additional_creators: [BOB, "@Old Style:c.example"] });
		expectAllowed(room.checkIndependent(room.create));
	});

	it("v11 ignores additional_creators (not a creators field there)", () => {
		const [rules] = versionsFrom(11, 11);
		const room = new TestRoom(rules!, ALICE, { additional_creators: "nonsense" });
		expectAllowed(room.checkIndependent(room.create));
	});
});
