// The auth events selection algorithm (server-server API), per room version.
import { describe, expect, it } from "vitest";
import { authTypesForEvent, ruleNumbers } from "../../../../src/protocol/auth";
import { ROOM_V1, ROOM_V6, ROOM_V7, ROOM_V8, ROOM_V10, ROOM_V11, ROOM_V12 } from "../../../../src/protocol/room-versions/rules";
import { ALICE, BOB, CAROL, CREATE, JOIN_RULES, MEMBER, PL, TPI } from "./room";

const sorted = (pairs: readonly (readonly [string, string])[]) => pairs.map(([t, k]) => `${t}|${k}`).sort();

describe("authTypesForEvent", () => {
	it("selects nothing for the create event", () => {
		expect(authTypesForEvent(ROOM_V1, CREATE, ALICE, "", {})).toEqual([]);
		expect(authTypesForEvent(ROOM_V12, CREATE, ALICE, "", {})).toEqual([]);
	});

	it("selects create, power levels and the sender's membership for other events (v1–v11)", () => {
		expect(sorted(authTypesForEvent(ROOM_V11, "m.room.message", ALICE, undefined, {}))).toEqual(sorted([[CREATE, ""], [PL, ""], [MEMBER, ALICE]]));
	});

	it("never selects the create event in v12", () => {
		expect(sorted(authTypesForEvent(ROOM_V12, "m.room.message", ALICE, undefined, {}))).toEqual(sorted([[PL, ""], [MEMBER, ALICE]]));
		expect(sorted(authTypesForEvent(ROOM_V12, MEMBER, BOB, BOB, { membership: "join" }))).toEqual(sorted([[PL, ""], [MEMBER, BOB], [JOIN_RULES, ""]]));
	});

	it("adds the target and, for join/invite/knock, the join rules", () => {
		for (const membership of ["join", "invite", "knock"]) {
			expect(sorted(authTypesForEvent(ROOM_V7, MEMBER, ALICE, BOB, { membership }))).toEqual(sorted([[CREATE, ""], [PL, ""], [MEMBER, ALICE], [MEMBER, BOB], [JOIN_RULES, ""]]));
		}
		for (const membership of ["leave", "ban"]) {
			expect(sorted(authTypesForEvent(ROOM_V7, MEMBER, ALICE, BOB, { membership }))).toEqual(sorted([[CREATE, ""], [PL, ""], [MEMBER, ALICE], [MEMBER, BOB]]));
		}
	});

	it("lists each pair once when sender and target are the same", () => {
		expect(authTypesForEvent(ROOM_V1, MEMBER, BOB, BOB, { membership: "leave" })).toHaveLength(3);
	});

	it("adds the third-party invite named by signed.token", () => {
		const content = { membership: "invite", third_party_invite: { signed: { token: "tok", mxid: BOB } } };
		expect(sorted(authTypesForEvent(ROOM_V6, MEMBER, ALICE, BOB, content))).toContain(`${TPI}|tok`);
		expect(sorted(authTypesForEvent(ROOM_V6, MEMBER, ALICE, BOB, { ...content, membership: "join" }))).not.toContain(`${TPI}|tok`);
		expect(authTypesForEvent(ROOM_V6, MEMBER, ALICE, BOB, { membership: "invite", third_party_invite: "x" })).toHaveLength(5);
	});

	it("adds the authorising user's membership for joins from v8", () => {
		const content = { membership: "join", join_authorised_via_users_server: CAROL };
		expect(sorted(authTypesForEvent(ROOM_V8, MEMBER, BOB, BOB, content))).toContain(`${MEMBER}|${CAROL}`);
		expect(sorted(authTypesForEvent(ROOM_V10, MEMBER, BOB, BOB, content))).toContain(`${MEMBER}|${CAROL}`);
		expect(sorted(authTypesForEvent(ROOM_V7, MEMBER, BOB, BOB, content))).not.toContain(`${MEMBER}|${CAROL}`);
		expect(sorted(authTypesForEvent(ROOM_V8, MEMBER, BOB, BOB, { ...content, membership: "leave" }))).not.toContain(`${MEMBER}|${CAROL}`);
	});
});

describe("rule numbers per version", () => {
	it("numbers the top-level rules as each version's page does", () => {
		const top = (r: typeof ROOM_V1) => {
			const n = ruleNumbers(r.auth);
			return [n.federate, n.aliases?.noStateKey, n.member.malformed, n.senderNotJoined, n.thirdPartyInvite, n.requiredPower, n.stateKeyUser, n.powerLevels.section, n.redaction?.otherwise];
		};
		expect(top(ROOM_V1)).toEqual(["3", "4.1", "5.1", "6", "7", "8", "9", "10", "11.3"]);
		expect(top({ ...ROOM_V1, auth: { ...ROOM_V1.auth, specialCaseRoomRedaction: false } })).toEqual(["3", "4.1", "5.1", "6", "7", "8", "9", "10", undefined]);
		expect(top(ROOM_V6)).toEqual(["3", undefined, "4.1", "5", "6", "7", "8", "9", undefined]);
		expect(top(ROOM_V12)).toEqual(["4", undefined, "5.1", "6", "7", "8", "9", "10", undefined]);
	});

	it("numbers the member rules", () => {
		const v8 = ruleNumbers(ROOM_V8.auth).member;
		expect([v8.authorisedViaSignature, v8.join.restricted?.authoriser, v8.join.public, v8.invite.thirdParty.otherwise, v8.leave.otherwise, v8.ban.otherwise, v8.knock?.otherwise, v8.unknown]).toEqual([
			"4.2",
			"4.3.5.2",
			"4.3.6",
			"4.4.1.8",
			"4.5.5",
			"4.6.3",
			"4.7.4",
			"4.8",
		]);
		const v7 = ruleNumbers(ROOM_V7.auth).member;
		expect([v7.join.public, v7.knock?.joinRule, v7.unknown]).toEqual(["4.2.5", "4.6.1", "4.7"]);
	});

	it("numbers the create, auth events and power levels rules", () => {
		const v10 = ruleNumbers(ROOM_V10.auth);
		expect([v10.create.creator, v10.create.additionalCreators, v10.authEvents.noCreate, v10.authEvents.wrongRoom]).toEqual(["1.4", undefined, "2.4", "2.5"]);
		expect([v10.powerLevels.users, v10.powerLevels.noPrevious, v10.powerLevels.usersNew]).toEqual(["9.3", "9.4", "9.9.1"]);
		const v12 = ruleNumbers(ROOM_V12.auth);
		expect([v12.create.creator, v12.create.additionalCreators, v12.roomIdIsCreateEvent, v12.authEvents.noCreate, v12.authEvents.wrongRoom]).toEqual([undefined, "1.4", "2", undefined, "3.4"]);
		expect([v12.powerLevels.creatorsInUsers, v12.powerLevels.fields.new, v12.powerLevels.usersNew]).toEqual(["10.4", "10.6.2", "10.10.1"]);
	});
});
