// A user's membership over a room's timeline: what the `shared` rule asks ("joined at any point after").
// Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility

import type { MembershipValue } from "./history-visibility";

/** One of the user's own member events, at its room stream position. */
export interface MembershipChange {
	position: number;
	membership: MembershipValue | null;
}

/** True if one of `changes` after `position` made the user joined. */
export function joinedAfter(changes: readonly MembershipChange[], position: number): boolean {
	return changes.some((c) => c.position > position && c.membership === "join");
}
