// m.room.power_levels (rule 10 in v1–v5, 9 in v6–v11, 10 in v12) and the power level helpers.
import { describe, expect, it } from "vitest";
import { parsePowerLevelValue, requiredEventLevel, roomPower, userPowerLevel } from "../../../../src/protocol/auth";
import type { JsonObject } from "../../../../src/protocol/events/pdu";
import type { RoomVersionRules } from "../../../../src/protocol/room-versions/rules";
import { ROOM_V1, ROOM_V5, ROOM_V6, ROOM_V9, ROOM_V10, ROOM_V11, ROOM_V12 } from "../../../../src/protocol/room-versions/rules";
import { adminUsers, ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, expectAllowed, expectRejected, join, pick, PL, standardRoom, TestRoom, versionsFrom } from "./room";

/** Rule numbers of the power-levels section, by name. */
function plRule(r: RoomVersionRules, name: string): string {
	const section = pick(r, { 1: "10", 6: "9", 12: "10" });
	// Sub-rule positions: v1–v9 start at "users"; v10–v11 add two integer checks first; v12 adds the creators check.
	const order = r.auth.privilegedCreators
		? ["integers", "maps", "users", "creators", "noPrevious", "fields", "mapsCurrent", "mapsNew", "usersCurrent", "usersNew", "allow"]
		: r.auth.integerPowerLevels
			? ["integers", "maps", "users", "noPrevious", "fields", "mapsCurrent", "mapsNew", "usersCurrent", "usersNew", "allow"]
			: ["users", "noPrevious", "fields", "mapsCurrent", "mapsNew", "usersCurrent", "usersNew", "allow"];
	const [base, sub] = name.split(".");
	const i = order.indexOf(base!);
	if (i < 0) throw new Error(`no ${name} in v${r.id}`);
	return sub === undefined ? `${section}.${i + 1}` : `${section}.${i + 1}.${sub}`;
}

/**
 * A room where Bob is a moderator at 50 who may send power levels (events[PL] = 50),
 * Carol is at 40, Dave at 50, and some levels sit above Bob.
 */
async function moderated(rules: RoomVersionRules, extra: JsonObject = {}) {
	const users = { ...adminUsers(rules), [BOB]: 50, [CAROL]: 40, [DAVE]: 50 };
	const base: JsonObject = { users, ban: 100, kick: 50, events: { [PL]: 50, "m.room.tombstone": 100 }, notifications: { room: 100 }, ...extra };
	const room = await standardRoom(rules, { powerLevels: base, users });
	for (const u of [BOB, CAROL, DAVE]) await join(room, u);
	/** Bob's new power levels: the current content with `change` applied. */
	const change = (f: (c: JsonObject) => JsonObject) =>
		room.check(room.build({ type: PL, sender: BOB, state_key: "", content: f(structuredClone(room.stateLookup(PL, "")!.content)) }));
	return { room, base, change };
}

describe.each(ALL_VERSIONS.map((rules) => [rules.id, rules] as const))("room version %s: m.room.power_levels", (_id, rules) => {
	it("allows the first power levels event whatever it states (no previous)", async () => {
		const room = new TestRoom(rules);
		await room.send(room.member(ALICE, ALICE, "join"));
		expectAllowed(await room.check(room.build({ type: PL, sender: ALICE, state_key: "", content: { users: { [BOB]: 1000 }, ban: 1000, events: { x: 1000 } } })));
	});

	it("rejects users that is not an object of user IDs to levels (users rule)", async () => {
		const { change } = await moderated(rules);
		expectRejected(await change((c) => ({ ...c, users: [] })), plRule(rules, "users"));
		expectRejected(await change((c) => ({ ...c, users: { ...(c.users as JsonObject), bob: 10 } })), plRule(rules, "users"));
		expectRejected(await change((c) => ({ ...c, users: { ...(c.users as JsonObject), [CAROL]: "lots" } })), plRule(rules, "users"));
		expectRejected(await change((c) => ({ ...c, users: { ...(c.users as JsonObject), [CAROL]: null } })), plRule(rules, "users"));
	});

	it(`${rules.auth.integerPowerLevels ? "rejects" : "accepts"} numeric strings`, async () => {
		const { change } = await moderated(rules);
		const cases: [(c: JsonObject) => JsonObject, string][] = [
			[(c) => ({ ...c, users: { ...(c.users as JsonObject), [CAROL]: "30" } }), "users"],
			[(c) => ({ ...c, kick: " +50 " }), "integers"],
			[(c) => ({ ...c, events: { ...(c.events as JsonObject), "m.room.topic": "050" } }), "maps"],
		];
		for (const [f, name] of cases) {
			if (rules.auth.integerPowerLevels) expectRejected(await change(f), plRule(rules, name));
			else expectAllowed(await change(f));
		}
	});

	it("rejects a change to a field whose current value is above the sender (fields.1)", async () => {
		const { change } = await moderated(rules);
		expectRejected(await change((c) => ({ ...c, ban: 40 })), plRule(rules, "fields.1"));
		expectRejected(await change(({ ban: _b, ...c }) => c), plRule(rules, "fields.1"));
	});

	it("rejects a field's new value above the sender (fields.2)", async () => {
		const { change } = await moderated(rules);
		expectRejected(await change((c) => ({ ...c, kick: 60 })), plRule(rules, "fields.2"));
		expectRejected(await change((c) => ({ ...c, redact: 51 })), plRule(rules, "fields.2"));
		expectAllowed(await change((c) => ({ ...c, kick: 40, redact: 50, state_default: 0 })));
	});

	it("rejects changing or removing events entries above the sender (mapsCurrent)", async () => {
		const { change } = await moderated(rules);
		expectRejected(await change((c) => ({ ...c, events: { [PL]: 50 } })), plRule(rules, "mapsCurrent.1"));
		expectRejected(await change((c) => ({ ...c, events: { [PL]: 50, "m.room.tombstone": 0 } })), plRule(rules, "mapsCurrent.1"));
	});

	it("rejects events entries added or changed above the sender (mapsNew)", async () => {
		const { change } = await moderated(rules);
		expectRejected(await change((c) => ({ ...c, events: { ...(c.events as JsonObject), "m.room.name": 51 } })), plRule(rules, "mapsNew.1"));
		expectAllowed(await change((c) => ({ ...c, events: { ...(c.events as JsonObject), "m.room.name": 50 } })));
	});

	it(`${rules.auth.limitNotificationsPowerLevels ? "checks" : "does not check"} notifications`, async () => {
		const { change } = await moderated(rules);
		const lower = await change((c) => ({ ...c, notifications: { room: 0 } }));
		const raise = await change((c) => ({ ...c, notifications: { room: 100, other: 90 } }));
		if (rules.auth.limitNotificationsPowerLevels) {
			expectRejected(lower, plRule(rules, "mapsCurrent.1"));
			expectRejected(raise, plRule(rules, "mapsNew.1"));
		} else {
			expectAllowed(lower);
			expectAllowed(raise);
		}
	});

	it("rejects changing users at or above the sender, other than the sender's own entry (usersCurrent)", async () => {
		const { change } = await moderated(rules);
		const users = (c: JsonObject) => c.users as JsonObject;
		expectRejected(await change((c) => ({ ...c, users: { ...users(c), [DAVE]: 10 } })), plRule(rules, "usersCurrent.1"));
		expectRejected(await change(({ ...c }) => ({ ...c, users: Object.fromEntries(Object.entries(users(c)).filter(([u]) => u !== DAVE)) })), plRule(rules, "usersCurrent.1"));
		expectAllowed(await change((c) => ({ ...c, users: { ...users(c), [CAROL]: 0 } })));
		expectAllowed(await change((c) => ({ ...c, users: { ...users(c), [BOB]: 10 } })));
	});

	it("rejects users added or raised above the sender (usersNew)", async () => {
		const { change } = await moderated(rules);
		const users = (c: JsonObject) => c.users as JsonObject;
		expectRejected(await change((c) => ({ ...c, users: { ...users(c), [CAROL]: 51 } })), plRule(rules, "usersNew.1"));
		expectRejected(await change((c) => ({ ...c, users: { ...users(c), "@eve:e.example": 60 } })), plRule(rules, "usersNew.1"));
		expectAllowed(await change((c) => ({ ...c, users: { ...users(c), [CAROL]: 50, "@eve:e.example": 50 } })));
	});

	it("allows adding a field that was absent, at or below the sender (as Synapse does)", async () => {
		const { change } = await moderated(rules);
		expectAllowed(await change((c) => ({ ...c, invite: 40 })));
	});

	it("allows an unchanged power levels event (allow)", async () => {
		const { change } = await moderated(rules);
		expectAllowed(await change((c) => c));
	});
});

describe("integer power levels (v10+)", () => {
	it.each(versionsFrom(10).map((r) => [r.id, r] as const))("v%s rejects non-integer fields and maps", async (_id, rules) => {
		const { change } = await moderated(rules);
		expectRejected(await change((c) => ({ ...c, ban: 50.5 })), plRule(rules, "integers"));
		expectRejected(await change((c) => ({ ...c, users_default: true })), plRule(rules, "integers"));
		expectRejected(await change((c) => ({ ...c, events: [] })), plRule(rules, "maps"));
		expectRejected(await change((c) => ({ ...c, notifications: { room: "0" } })), plRule(rules, "maps"));
	});

	it.each(versionsFrom(1, 9).map((r) => [r.id, r] as const))("v%s rejects values that are not levels at all, under the section number", async (_id, rules) => {
		const { change } = await moderated(rules);
		const section = pick(rules, { 1: "10", 6: "9" });
		expectRejected(await change((c) => ({ ...c, ban: "fifty" })), section);
		expectRejected(await change((c) => ({ ...c, events: { x: [] } })), section);
		expectRejected(await change((c) => ({ ...c, notifications: 5 })), section);
	});

	it("reads levels per version", () => {
		expect(parsePowerLevelValue(ROOM_V9.auth, " +100 ")).toBe(100);
		expect(parsePowerLevelValue(ROOM_V9.auth, "-0050")).toBe(-50);
		expect(parsePowerLevelValue(ROOM_V9.auth, "1.5")).toBeUndefined();
		expect(parsePowerLevelValue(ROOM_V9.auth, "1e3")).toBeUndefined();
		expect(parsePowerLevelValue(ROOM_V9.auth, "")).toBeUndefined();
		expect(parsePowerLevelValue(ROOM_V5.auth, 50.57)).toBe(50);
		expect(parsePowerLevelValue(ROOM_V5.auth, 51146.98)).toBe(51146);
		expect(parsePowerLevelValue(ROOM_V10.auth, 100)).toBe(100);
		expect(parsePowerLevelValue(ROOM_V10.auth, "100")).toBeUndefined();
		expect(parsePowerLevelValue(ROOM_V10.auth, 1.5)).toBeUndefined();
		expect(parsePowerLevelValue(ROOM_V10.auth, 2 ** 53)).toBeUndefined();
		expect(parsePowerLevelValue(ROOM_V1.auth, true)).toBeUndefined();
	});

	it("v1–v9 compare string levels numerically", async () => {
		const room = await standardRoom(ROOM_V6, { users: { [ALICE]: "100", [BOB]: "050" }, powerLevels: { ban: "60", kick: "  40 " } });
		for (const u of [BOB, CAROL]) await join(room, u);
		expectAllowed(await room.checkMember(BOB, CAROL, "leave"));
		expectRejected(await room.checkMember(BOB, CAROL, "ban"), "4.5.3");
	});
});

describe("room creators and power", () => {
	it("v12 rejects power levels listing a creator in users (10.4)", async () => {
		const room = await standardRoom(ROOM_V12, { createContent: { additional_creators: [CAROL] } });
		const pl = (users: JsonObject) => room.build({ type: PL, sender: ALICE, state_key: "", content: { users } });
		expectRejected(await room.check(pl({ [ALICE]: 100 })), "10.4");
		expectRejected(await room.check(pl({ [CAROL]: 100 })), "10.4");
		expectAllowed(await room.check(pl({ [BOB]: 100 })));
	});

	it("v12 rejects even the first power levels event listing a creator", async () => {
		const room = new TestRoom(ROOM_V12);
		await room.send(room.member(ALICE, ALICE, "join"));
		expectRejected(await room.check(room.build({ type: PL, sender: ALICE, state_key: "", content: { users: { [ALICE]: 100 } } })), "10.4");
	});

	it("v11 lets the creator list herself", async () => {
		const room = await standardRoom(ROOM_V11);
		expectAllowed(await room.check(room.build({ type: PL, sender: ALICE, state_key: "", content: { users: { [ALICE]: 100 } } })));
	});

	it("a v12 creator may change any level", async () => {
		const { room } = await moderated(ROOM_V12);
		const content = { users: { [BOB]: 9007199254740991 }, ban: 9007199254740991, events: {}, notifications: {} };
		expectAllowed(await room.check(room.build({ type: PL, sender: ALICE, state_key: "", content })));
	});

	it("computes user levels and required levels", async () => {
		const v11 = new TestRoom(ROOM_V11);
		const p11 = roomPower(ROOM_V11.auth, v11.stateLookup);
		expect(userPowerLevel(p11, ALICE)).toBe(100);
		expect(userPowerLevel(p11, BOB)).toBe(0);
		expect(requiredEventLevel(p11, "m.room.name", "")).toBe(50);
		expect(requiredEventLevel(p11, "m.room.message", undefined)).toBe(0);
		const v12 = new TestRoom(ROOM_V12, ALICE, { additional_creators: [CAROL] });
		const p12 = roomPower(ROOM_V12.auth, v12.stateLookup);
		expect(userPowerLevel(p12, ALICE)).toBe(Number.POSITIVE_INFINITY);
		expect(userPowerLevel(p12, CAROL)).toBe(Number.POSITIVE_INFINITY);
		expect(userPowerLevel(p12, BOB)).toBe(0);
		const withPl = await standardRoom(ROOM_V10, { powerLevels: { users_default: 5, events_default: 7, state_default: 9, events: { x: 3 } } });
		const p10 = roomPower(ROOM_V10.auth, withPl.stateLookup);
		expect(userPowerLevel(p10, ALICE)).toBe(100);
		expect(userPowerLevel(p10, BOB)).toBe(5);
		expect(requiredEventLevel(p10, "x", "")).toBe(3);
		expect(requiredEventLevel(p10, "y", "")).toBe(9);
		expect(requiredEventLevel(p10, "y", undefined)).toBe(7);
	});
});
