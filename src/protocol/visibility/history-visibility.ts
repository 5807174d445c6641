// Whether a user may see one event, from the history visibility and their membership at that event.
// Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility ("Server behaviour").
// Join rules play no part in reads; only history visibility and membership do.

import type { JsonObject, JsonValue } from "../events/pdu";

export type HistoryVisibility = "world_readable" | "shared" | "invited" | "joined";
export type MembershipValue = "join" | "invite" | "leave" | "ban" | "knock";

const VISIBILITIES: readonly string[] = ["world_readable", "shared", "invited", "joined"];
const MEMBERSHIPS: readonly string[] = ["join", "invite", "leave", "ban", "knock"];

/**
 * The visibility an `m.room.history_visibility` content sets. No event, or a value we do not know, means
 * `shared`: the spec's default ("If no history_visibility is set ... it is assumed to be shared").
 */
export function historyVisibilityOf(content: JsonObject | null | undefined): HistoryVisibility {
	const value: JsonValue | undefined = content?.history_visibility;
	return typeof value === "string" && VISIBILITIES.includes(value) ? (value as HistoryVisibility) : "shared";
}

/** The membership an `m.room.member` content sets; null when there is no member event or no valid value. */
export function membershipOf(content: JsonObject | null | undefined): MembershipValue | null {
	const value: JsonValue | undefined = content?.membership;
	return typeof value === "string" && MEMBERSHIPS.includes(value) ? (value as MembershipValue) : null;
}

/** What is known about one event for one user. "At the event" means in the room state just before it. */
export interface EventVisibilityContext {
	visibility: HistoryVisibility;
	membership: MembershipValue | null;
	/**
	 * For an `m.room.history_visibility` event: the visibility it sets. The spec lets the user see such an
	 * event if the visibility before *or* after it allows them to.
	 */
	visibilityAfter?: HistoryVisibility;
	/** For the user's own `m.room.member` event: the membership it sets (same "before or after" rule). */
	membershipAfter?: MembershipValue | null;
	/** The user's membership was `join` at some point after the event (what `shared` asks). */
	joinedLater: boolean;
}

/** The spec's numbered checks for one (visibility, membership) pair. */
function allows(visibility: HistoryVisibility, membership: MembershipValue | null, joinedLater: boolean): boolean {
	// 1. "If the history_visibility was set to world_readable, allow."
	if (visibility === "world_readable") return true;
	// 2. "If the user's membership was join, allow."
	if (membership === "join") return true;
	// 3. "If history_visibility was set to shared, and the user joined the room at any point after the
	//    event was sent, allow."
	if (visibility === "shared" && joinedLater) return true;
	// 4. "If the user's membership was invite, and the history_visibility was set to invited, allow."
	if (visibility === "invited" && membership === "invite") return true;
	// 5. "Otherwise, deny."
	return false;
}

/** True if the user may see the event. */
export function isEventVisible(ctx: EventVisibilityContext): boolean {
	const visibilities = ctx.visibilityAfter === undefined ? [ctx.visibility] : [ctx.visibility, ctx.visibilityAfter];
	const memberships = ctx.membershipAfter === undefined ? [ctx.membership] : [ctx.membership, ctx.membershipAfter];
	return visibilities.some((v) => memberships.some((m) => allows(v, m, ctx.joinedLater)));
}

/**
 * Whether a user may read a room at all right now (the gate before any per-event check): members
 * and former members may (former members only up to their departure, which the per-event check
 * enforces), and anyone may read a `world_readable` room. Someone who never had a membership in a room
 * that is not world readable reads nothing.
 */
export function mayReadRoom(currentMembership: MembershipValue | null, everHadMembership: boolean, currentVisibility: HistoryVisibility): boolean {
	if (currentVisibility === "world_readable") return true;
	if (currentMembership === "join") return true;
	return everHadMembership;
}
