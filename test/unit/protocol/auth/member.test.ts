// m.room.member rules (5 in v1–v5, 4 in v6–v11, 5 in v12): join, invite, leave, ban, knock, restricted joins.
import { describe, expect, it } from "vitest";
import type { RoomVersionRules } from "../../../../src/protocol/room-versions/rules";
import { ROOM_V10, ROOM_V11, ROOM_V12, ROOM_V7 } from "../../../../src/protocol/room-versions/rules";
import {
	ALICE,
	ALL_VERSIONS,
	BOB,
	CAROL,
	CREATE,
	DAVE,
	expectAllowed,
	expectRejected,
	join,
	MEMBER,
	pick,
	standardRoom,
	TestRoom,
	versionsFrom,
} from "./room";

const MALFORMED = (r: RoomVersionRules) => pick(r, { 1: "5.1", 6: "4.1", 12: "5.1" });
const JOIN = (r: RoomVersionRules) => pick(r, { 1: "5.2", 6: "4.2", 8: "4.3", 12: "5.3" });
const INVITE = (r: RoomVersionRules) => pick(r, { 1: "5.3", 6: "4.3", 8: "4.4", 12: "5.4" });
const LEAVE = (r: RoomVersionRules) => pick(r, { 1: "5.4", 6: "4.4", 8: "4.5", 12: "5.5" });
const BAN = (r: RoomVersionRules) => pick(r, { 1: "5.5", 6: "4.5", 8: "4.6", 12: "5.6" });
const KNOCK = (r: RoomVersionRules) => pick(r, { 7: "4.6", 8: "4.7", 12: "5.7" });
const UNKNOWN = (r: RoomVersionRules) => pick(r, { 1: "5.6", 6: "4.6", 7: "4.7", 8: "4.8", 12: "5.8" });
/** "Otherwise, reject." closing the join rules: 6 before restricted rooms, 7 after. */
const JOIN_OTHERWISE = (r: RoomVersionRules) => `${JOIN(r)}.${r.auth.restrictedJoinRule ? 7 : 6}`;

const each = ALL_VERSIONS.map((rules) => [rules.id, rules] as const);

describe.each(each)("room version %s: m.room.member", (_id, rules) => {
	it("rejects a member event without a state_key or membership (x.1)", async () => {
		const room = await standardRoom(rules);
		expectRejected(await room.check(room.build({ type: MEMBER, sender: BOB, content: { membership: "join" } })), MALFORMED(rules));
		expectRejected(await room.check(room.build({ type: MEMBER, sender: BOB, state_key: BOB, content: {} })), MALFORMED(rules));
		expectRejected(await room.check(room.build({ type: MEMBER, sender: BOB, state_key: BOB, content: { membership: 1 } })), MALFORMED(rules));
	});

	it("rejects an unknown membership", async () => {
		const room = await standardRoom(rules);
		expectRejected(await room.checkMember(ALICE, BOB, "bogus"), UNKNOWN(rules));
	});

	describe("join", () => {
		it("allows the creator's first join right after the create event (x.1)", async () => {
			const room = new TestRoom(rules);
			expectAllowed(await room.check(room.build({ ...room.member(ALICE, ALICE, "join"), prev_events: [room.create.event_id] })));
		});

		it("does not apply the creator rule when there are other prev_events or to other users", async () => {
			const room = new TestRoom(rules);
			const other = rules.eventIdFormat === "server-generated" ? "$other:a.example" : `$${"o".repeat(43)}`;
			expectRejected(
				await room.check(room.build({ ...room.member(ALICE, ALICE, "join"), prev_events: [room.create.event_id, other] })),
				JOIN_OTHERWISE(rules),
			);
			expectRejected(await room.check(room.build({ ...room.member(BOB, BOB, "join"), prev_events: [room.create.event_id] })), JOIN_OTHERWISE(rules));
		});

		it("rejects joining another user (x.2)", async () => {
			const room = await standardRoom(rules);
			expectRejected(await room.checkMember(ALICE, BOB, "join"), `${JOIN(rules)}.2`);
		});

		it("rejects a banned sender (x.3)", async () => {
			const room = await standardRoom(rules);
			await room.send(room.member(ALICE, BOB, "ban"));
			expectRejected(await room.checkMember(BOB, BOB, "join"), `${JOIN(rules)}.3`);
		});

		it("allows invited or joined users into an invite-only room (x.4), and no one else", async () => {
			const room = await standardRoom(rules, { joinRule: "invite" });
			expectRejected(await room.checkMember(BOB, BOB, "join"), JOIN_OTHERWISE(rules));
			await room.send(room.member(ALICE, BOB, "invite"));
			expectAllowed(await room.checkMember(BOB, BOB, "join"));
			await room.send(room.member(BOB, BOB, "join"));
			expectAllowed(await room.checkMember(BOB, BOB, "join", { displayname: "Bob" }));
		});

		it("treats a room without m.room.join_rules as invite-only", async () => {
			const room = new TestRoom(rules);
			await room.send(room.member(ALICE, ALICE, "join"));
			expectRejected(await room.checkMember(BOB, BOB, "join"), JOIN_OTHERWISE(rules));
			await room.send(room.member(ALICE, BOB, "invite"));
			expectAllowed(await room.checkMember(BOB, BOB, "join"));
		});

		it("allows anyone into a public room (public rule)", async () => {
			const room = await standardRoom(rules, { joinRule: "public" });
			expectAllowed(await room.checkMember(BOB, BOB, "join"));
		});

		it("rejects other join rules (otherwise)", async () => {
			const room = await standardRoom(rules, { joinRule: "private" });
			expectRejected(await room.checkMember(BOB, BOB, "join"), JOIN_OTHERWISE(rules));
		});

		it(`${rules.auth.knocking ? "allows" : "does not allow"} an invited user into a room with join rule knock`, async () => {
			const room = await standardRoom(rules, { joinRule: "knock" });
			await room.send(room.member(ALICE, BOB, "invite"));
			const result = await room.checkMember(BOB, BOB, "join");
			if (rules.auth.knocking) expectAllowed(result);
			else expectRejected(result, JOIN_OTHERWISE(rules));
		});
	});

	describe("invite", () => {
		it("allows a joined sender with the invite level (x.4)", async () => {
			const room = await standardRoom(rules);
			expectAllowed(await room.checkMember(ALICE, BOB, "invite"));
		});

		it("rejects a sender who is not joined (x.2)", async () => {
			const room = await standardRoom(rules);
			expectRejected(await room.checkMember(BOB, CAROL, "invite"), `${INVITE(rules)}.2`);
		});

		it("rejects inviting a joined or banned user (x.3)", async () => {
			const room = await standardRoom(rules);
			await join(room, BOB);
			expectRejected(await room.checkMember(ALICE, BOB, "invite"), `${INVITE(rules)}.3`);
			await room.send(room.member(ALICE, CAROL, "ban"));
			expectRejected(await room.checkMember(ALICE, CAROL, "invite"), `${INVITE(rules)}.3`);
		});

		it("rejects a sender below the invite level (x.5)", async () => {
			const room = await standardRoom(rules, { powerLevels: { invite: 50 } });
			await join(room, BOB);
			expectRejected(await room.checkMember(BOB, CAROL, "invite"), `${INVITE(rules)}.5`);
		});
	});

	describe("leave", () => {
		it("lets joined and invited users leave (x.1)", async () => {
			const room = await standardRoom(rules);
			await join(room, BOB);
			expectAllowed(await room.checkMember(BOB, BOB, "leave"));
			await room.send(room.member(ALICE, CAROL, "invite"));
			expectAllowed(await room.checkMember(CAROL, CAROL, "leave"));
		});

		it("refuses a self-leave from no membership, leave or ban (x.1)", async () => {
			const room = await standardRoom(rules);
			expectRejected(await room.checkMember(BOB, BOB, "leave"), `${LEAVE(rules)}.1`);
			await room.send(room.member(ALICE, CAROL, "ban"));
			expectRejected(await room.checkMember(CAROL, CAROL, "leave"), `${LEAVE(rules)}.1`);
		});

		it(`${rules.auth.knocking ? "lets" : "does not let"} a knocking user withdraw (x.1)`, async () => {
			const room = await standardRoom(rules, { joinRule: "knock" });
			// Set up the knock directly, so the leave rule is tested on its own in every version.
			room.force(room.build(room.member(BOB, BOB, "knock")));
			const result = await room.checkMember(BOB, BOB, "leave");
			if (rules.auth.knocking) expectAllowed(result);
			else expectRejected(result, `${LEAVE(rules)}.1`);
		});

		it("rejects a kick by a sender who is not joined (x.2)", async () => {
			const room = await standardRoom(rules);
			await join(room, BOB);
			expectRejected(await room.checkMember(CAROL, BOB, "leave"), `${LEAVE(rules)}.2`);
		});

		it("rejects an unban below the ban level even with the kick level (x.3)", async () => {
			const room = await standardRoom(rules, { powerLevels: { ban: 60, kick: 50 }, users: { [DAVE]: 55 } });
			await join(room, DAVE);
			await room.send(room.member(ALICE, BOB, "ban"));
			expectRejected(await room.checkMember(DAVE, BOB, "leave"), `${LEAVE(rules)}.3`);
			expectAllowed(await room.checkMember(ALICE, BOB, "leave"));
		});

		it("allows a kick at the kick level of a user below the sender (x.4)", async () => {
			const room = await standardRoom(rules);
			await join(room, BOB);
			expectAllowed(await room.checkMember(ALICE, BOB, "leave"));
		});

		it("rejects kicks below the kick level or of equals (x.5)", async () => {
			const room = await standardRoom(rules, { users: { [DAVE]: 50, [CAROL]: 50 } });
			for (const u of [BOB, CAROL, DAVE]) await join(room, u);
			expectRejected(await room.checkMember(BOB, CAROL, "leave"), `${LEAVE(rules)}.5`);
			expectRejected(await room.checkMember(DAVE, CAROL, "leave"), `${LEAVE(rules)}.5`);
			expectAllowed(await room.checkMember(DAVE, BOB, "leave"));
		});
	});

	describe("ban", () => {
		it("rejects a sender who is not joined (x.1)", async () => {
			const room = await standardRoom(rules);
			expectRejected(await room.checkMember(BOB, CAROL, "ban"), `${BAN(rules)}.1`);
		});

		it("allows a sender at the ban level above the target (x.2)", async () => {
			const room = await standardRoom(rules);
			await join(room, BOB);
			expectAllowed(await room.checkMember(ALICE, BOB, "ban"));
			expectAllowed(await room.checkMember(ALICE, CAROL, "ban"));
		});

		it("rejects a sender below the ban level or not above the target (x.3)", async () => {
			const room = await standardRoom(rules, { users: { [DAVE]: 50, [CAROL]: 50 } });
			for (const u of [BOB, CAROL, DAVE]) await join(room, u);
			expectRejected(await room.checkMember(BOB, CAROL, "ban"), `${BAN(rules)}.3`);
			expectRejected(await room.checkMember(DAVE, CAROL, "ban"), `${BAN(rules)}.3`);
		});
	});
});

describe("knock (v7+)", () => {
	it.each(versionsFrom(1, 6).map((r) => [r.id, r] as const))("v%s knows no knock membership", async (_id, rules) => {
		const room = await standardRoom(rules, { joinRule: "knock" });
		expectRejected(await room.checkMember(BOB, BOB, "knock"), UNKNOWN(rules));
	});

	describe.each(versionsFrom(7).map((r) => [r.id, r] as const))("v%s", (_id, rules) => {
		it("allows a user with no membership to knock on a knock room (x.3)", async () => {
			const room = await standardRoom(rules, { joinRule: "knock" });
			expectAllowed(await room.checkMember(BOB, BOB, "knock"));
			await room.send(room.member(BOB, BOB, "knock"));
			await room.send(room.member(BOB, BOB, "leave"));
			expectAllowed(await room.checkMember(BOB, BOB, "knock"));
		});

		it("rejects knocking unless the join rule is knock (or knock_restricted from v10) (x.1)", async () => {
			for (const joinRule of ["public", "invite", "restricted"]) {
				const room = await standardRoom(rules, { joinRule });
				expectRejected(await room.checkMember(BOB, BOB, "knock"), `${KNOCK(rules)}.1`);
			}
			const room = await standardRoom(rules, { joinRule: "knock_restricted" });
			const result = await room.checkMember(BOB, BOB, "knock");
			if (rules.auth.knockRestrictedJoinRule) expectAllowed(result);
			else expectRejected(result, `${KNOCK(rules)}.1`);
		});

		it("rejects knocking for someone else (x.2)", async () => {
			const room = await standardRoom(rules, { joinRule: "knock" });
			expectRejected(await room.checkMember(ALICE, BOB, "knock"), `${KNOCK(rules)}.2`);
		});

		it("rejects knocks from invited, joined or banned users (x.4)", async () => {
			const room = await standardRoom(rules, { joinRule: "knock" });
			await room.send(room.member(ALICE, BOB, "invite"));
			await room.send(room.member(ALICE, CAROL, "ban"));
			expectRejected(await room.checkMember(BOB, BOB, "knock"), `${KNOCK(rules)}.4`);
			expectRejected(await room.checkMember(CAROL, CAROL, "knock"), `${KNOCK(rules)}.4`);
			expectRejected(await room.checkMember(ALICE, ALICE, "knock"), `${KNOCK(rules)}.4`);
		});
	});
});

describe("restricted joins (v8+) and knock_restricted (v10+)", () => {
	const authorised = (via: string) => ({ join_authorised_via_users_server: via });
	const signedBy = (...servers: string[]) => Object.fromEntries(servers.map((s) => [s, { "ed25519:1": "sig" }]));

	it.each(versionsFrom(1, 7).map((r) => [r.id, r] as const))("v%s knows no restricted join rule", async (_id, rules) => {
		const room = await standardRoom(rules, { joinRule: "restricted" });
		const event = room.build({ ...room.member(BOB, BOB, "join", authorised(ALICE)), signatures: signedBy("b.example", "a.example") });
		expectRejected(await room.check(event), JOIN_OTHERWISE(rules));
	});

	it("v7 does not require the authorising server's signature", async () => {
		const room = await standardRoom(ROOM_V7);
		expectAllowed(await room.checkMember(BOB, BOB, "join", authorised(ALICE)));
	});

	describe.each(versionsFrom(8).map((r) => [r.id, r] as const))("v%s", (_id, rules) => {
		const joinRules = rules.auth.knockRestrictedJoinRule ? ["restricted", "knock_restricted"] : ["restricted"];

		it.each(joinRules)("allows a join authorised by a joined user with invite power (x.5.3), join rule %s", async (joinRule) => {
			const room = await standardRoom(rules, { joinRule });
			const event = room.build({ ...room.member(BOB, BOB, "join", authorised(ALICE)), signatures: signedBy("b.example", "a.example") });
			expectAllowed(await room.check(event));
		});

		it.each(joinRules)("allows invited users without an authoriser (x.5.1), join rule %s", async (joinRule) => {
			const room = await standardRoom(rules, { joinRule, powerLevels: { invite: 0 } });
			await room.send(room.member(ALICE, BOB, "invite"));
			expectAllowed(await room.checkMember(BOB, BOB, "join"));
		});

		it.each(joinRules)("rejects joins without a joined authoriser (x.5.2), join rule %s", async (joinRule) => {
			// Everyone has invite power here, so only membership decides.
			const room = await standardRoom(rules, { joinRule, powerLevels: { invite: 0 }, users: { [CAROL]: 100 } });
			const rule = `${JOIN(rules)}.5.2`;
			expectRejected(await room.checkMember(BOB, BOB, "join"), rule);
			const notJoined = room.build({ ...room.member(BOB, BOB, "join", authorised(CAROL)), signatures: signedBy("b.example", "c.example") });
			expectRejected(await room.check(notJoined), rule);
			await room.send(room.member(ALICE, CAROL, "invite"));
			expectRejected(await room.check(notJoined), rule);
		});

		it.each(joinRules)("rejects joins authorised by a member below the invite level (x.5.2), join rule %s", async (joinRule) => {
			const room = await standardRoom(rules, { joinRule, powerLevels: { invite: 50 } });
			room.force(room.build(room.member(DAVE, DAVE, "join")));
			const weak = room.build({ ...room.member(BOB, BOB, "join", authorised(DAVE)), signatures: signedBy("b.example", "d.example") });
			expectRejected(await room.check(weak), `${JOIN(rules)}.5.2`);
		});

		it("rejects a join_authorised_via_users_server the authorising server did not sign (x.2.1)", async () => {
			const room = await standardRoom(rules, { joinRule: "restricted" });
			const rule = `${pick(rules, { 8: "4.2", 12: "5.2" })}.1`;
			const unsigned = room.build({ ...room.member(BOB, BOB, "join", authorised(ALICE)), signatures: signedBy("b.example") });
			expectRejected(await room.check(unsigned), rule);
			// The key is checked on any membership and whatever its value.
			expectRejected(await room.check(room.build(room.member(BOB, BOB, "leave", authorised(ALICE)))), rule);
			expectRejected(await room.check(room.build(room.member(BOB, BOB, "join", { join_authorised_via_users_server: 5 }))), rule);
			// Callers may supply their own signature check.
			const signed = room.build({ ...room.member(BOB, BOB, "join", authorised(ALICE)), signatures: signedBy("b.example", "a.example") });
			expectRejected(await room.check(signed, { isSignedBy: () => false }), rule);
			expectAllowed(await room.check(signed, { isSignedBy: (_e, server) => server === "a.example" }));
		});

		it("v8–v9 treat knock_restricted as an unknown join rule", async () => {
			if (rules.auth.knockRestrictedJoinRule) return;
			const room = await standardRoom(rules, { joinRule: "knock_restricted" });
			const event = room.build({ ...room.member(BOB, BOB, "join", authorised(ALICE)), signatures: signedBy("b.example", "a.example") });
			expectRejected(await room.check(event), JOIN_OTHERWISE(rules));
		});
	});
});

describe("the creator's first join: who the creator is", () => {
	it.each(versionsFrom(1, 10).map((r) => [r.id, r] as const))("v%s: content.creator", async (_id, rules) => {
		const room = new TestRoom(rules, ALICE, { creator: BOB });
		expectAllowed(await room.check(room.build({ ...room.member(BOB, BOB, "join"), prev_events: [room.create.event_id] })));
		expectRejected(await room.check(room.build({ ...room.member(ALICE, ALICE, "join"), prev_events: [room.create.event_id] })), JOIN_OTHERWISE(rules));
	});

	it.each(versionsFrom(11).map((r) => [r.id, r] as const))("v%s: the create event's sender", async (_id, rules) => {
		const room = new TestRoom(rules, ALICE, { creator: BOB });
		expectAllowed(await room.check(room.build({ ...room.member(ALICE, ALICE, "join"), prev_events: [room.create.event_id] })));
		expectRejected(await room.check(room.build({ ...room.member(BOB, BOB, "join"), prev_events: [room.create.event_id] })), JOIN_OTHERWISE(rules));
	});
});

describe("v12 privileged creators in membership changes", () => {
	it("nobody can kick or ban the creator, whatever their level", async () => {
		const room = await standardRoom(ROOM_V12, { users: { [BOB]: 9007199254740991 } });
		await join(room, BOB);
		expectRejected(await room.checkMember(BOB, ALICE, "leave"), "5.5.5");
		expectRejected(await room.checkMember(BOB, ALICE, "ban"), "5.6.3");
	});

	it("v11 lets a higher user kick a creator who demoted herself", async () => {
		const room = await standardRoom(ROOM_V11, { users: { [BOB]: 100 } });
		await join(room, BOB);
		await room.send({ type: "m.room.power_levels", sender: ALICE, state_key: "", content: { users: { [ALICE]: 50, [BOB]: 100 } } });
		expectAllowed(await room.checkMember(BOB, ALICE, "leave"));
	});

	it("additional creators have infinite power (v12) but none in v11", async () => {
		for (const rules of [ROOM_V11, ROOM_V12]) {
			const room = await standardRoom(rules, { createContent: { additional_creators: [CAROL] }, users: { [BOB]: 100 } });
			for (const u of [BOB, CAROL]) await join(room, u);
			const result = await room.checkMember(CAROL, BOB, "ban");
			if (rules.auth.privilegedCreators) expectAllowed(result);
			else expectRejected(result, "4.6.3");
		}
	});

	it("the creator has infinite power without a power levels event (v12), 100 before", async () => {
		const room12 = new TestRoom(ROOM_V12);
		await room12.send(room12.member(ALICE, ALICE, "join"));
		await room12.send({ type: "m.room.join_rules", sender: ALICE, state_key: "", content: { join_rule: "public" } });
		await join(room12, BOB);
		expectAllowed(await room12.checkMember(ALICE, BOB, "ban"));
		const room10 = new TestRoom(ROOM_V10);
		await room10.send(room10.member(ALICE, ALICE, "join"));
		await room10.send({ type: "m.room.join_rules", sender: ALICE, state_key: "", content: { join_rule: "public" } });
		await join(room10, BOB);
		expectAllowed(await room10.checkMember(ALICE, BOB, "ban"));
		expect(room10.stateLookup(CREATE, "")?.content.creator).toBe(ALICE);
	});
});
