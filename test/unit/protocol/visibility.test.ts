// History visibility: the spec's five numbered checks, the "before or after" rule for history-visibility
// and own member events, and the room-level read gate.
import { describe, expect, it } from "vitest";
import {
	type HistoryVisibility,
	historyVisibilityOf,
	isEventVisible,
	joinedAfter,
	type MembershipValue,
	mayReadRoom,
	membershipOf,
} from "../../../src/protocol/visibility";

const see = (visibility: HistoryVisibility, membership: MembershipValue | null, joinedLater = false) =>
	isEventVisible({ visibility, membership, joinedLater });

describe("historyVisibilityOf / membershipOf", () => {
	it("defaults to shared when unset or unknown", () => {
		expect(historyVisibilityOf(undefined)).toBe("shared");
		expect(historyVisibilityOf({})).toBe("shared");
		expect(historyVisibilityOf({ history_visibility: "everyone" })).toBe("shared");
		expect(historyVisibilityOf({ history_visibility: 3 })).toBe("shared");
		expect(historyVisibilityOf({ history_visibility: "joined" })).toBe("joined");
		expect(historyVisibilityOf({ history_visibility: "world_readable" })).toBe("world_readable");
	});
	it("reads a membership only when it is one the spec defines", () => {
		expect(membershipOf({ membership: "join" })).toBe("join");
		expect(membershipOf({ membership: "JOIN" })).toBeNull();
		expect(membershipOf(null)).toBeNull();
	});
});

describe("isEventVisible", () => {
	it("1. world_readable is visible to anyone, even someone never in the room", () => {
		expect(see("world_readable", null)).toBe(true);
		expect(see("world_readable", "ban")).toBe(true);
	});
	it("2. a joined member sees events under every visibility", () => {
		for (const v of ["shared", "invited", "joined"] as const) expect(see(v, "join")).toBe(true);
	});
	it("3. shared: visible to someone who joined later, not to someone who never did", () => {
		expect(see("shared", null, true)).toBe(true);
		expect(see("shared", "invite", true)).toBe(true);
		expect(see("shared", null, false)).toBe(false);
		expect(see("shared", "leave", false)).toBe(false);
	});
	it("4. invited: visible while invited, but not under joined", () => {
		expect(see("invited", "invite")).toBe(true);
		expect(see("joined", "invite")).toBe(false);
		expect(see("invited", "knock")).toBe(false);
	});
	it("5. joined: events before the join are hidden even from someone who joined later", () => {
		expect(see("joined", null, true)).toBe(false);
		expect(see("joined", "leave", true)).toBe(false);
		expect(see("invited", null, true)).toBe(false);
	});
	it("a history-visibility event is visible if the visibility before or after allows it", () => {
		expect(isEventVisible({ visibility: "joined", visibilityAfter: "world_readable", membership: null, joinedLater: false })).toBe(true);
		expect(isEventVisible({ visibility: "world_readable", visibilityAfter: "joined", membership: null, joinedLater: false })).toBe(true);
		expect(isEventVisible({ visibility: "joined", visibilityAfter: "shared", membership: null, joinedLater: false })).toBe(false);
	});
	it("the user's own member event is visible if the membership before or after allows it", () => {
		// Their join under `joined`, and their leave after being joined.
		expect(isEventVisible({ visibility: "joined", membership: "invite", membershipAfter: "join", joinedLater: false })).toBe(true);
		expect(isEventVisible({ visibility: "joined", membership: "join", membershipAfter: "leave", joinedLater: false })).toBe(true);
		// Being invited under `joined` is not enough.
		expect(isEventVisible({ visibility: "joined", membership: null, membershipAfter: "invite", joinedLater: false })).toBe(false);
	});
});

describe("joinedAfter", () => {
	const changes = [
		{ position: 3, membership: "join" as const },
		{ position: 7, membership: "leave" as const },
	];
	it("looks only at changes strictly after the position", () => {
		expect(joinedAfter(changes, 2)).toBe(true);
		expect(joinedAfter(changes, 3)).toBe(false);
		expect(joinedAfter(changes, 8)).toBe(false);
		expect(joinedAfter([], 0)).toBe(false);
	});
});

describe("mayReadRoom", () => {
	it("refuses someone who never had a membership unless the room is world readable", () => {
		expect(mayReadRoom(null, false, "shared")).toBe(false);
		expect(mayReadRoom(null, false, "world_readable")).toBe(true);
	});
	it("lets members and former members in (per-event checks limit what they see)", () => {
		expect(mayReadRoom("join", true, "joined")).toBe(true);
		expect(mayReadRoom("leave", true, "joined")).toBe(true);
		expect(mayReadRoom("invite", true, "invited")).toBe(true);
	});
});
