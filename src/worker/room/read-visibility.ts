// History visibility applied to stored events for one reading user: looks up the visibility and the
// user's membership in the state before each event and asks protocol/visibility.
// Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility

import type { JsonObject } from "../../protocol/events/pdu";
import {
	type HistoryVisibility,
	historyVisibilityOf,
	isEventVisible,
	joinedAfter,
	type MembershipChange,
	type MembershipValue,
	membershipOf,
} from "../../protocol/visibility";
import type { EventRow, ReadStore } from "./read-store";

function contentWith(key: string, value: string | null): JsonObject {
	return value === null ? {} : { [key]: value };
}

export class VisibilityChecker {
	/** State groups are immutable, so what one group says is cached for the rest of this read. */
	private readonly atGroup = new Map<number, { visibility: HistoryVisibility; membership: MembershipValue | null }>();
	private readonly changes: MembershipChange[];

	constructor(
		private readonly read: ReadStore,
		private readonly userId: string,
	) {
		this.changes = read.membershipChanges(userId).map((c) => ({ position: c.position, membership: membershipOf(contentWith("membership", c.membership)) }));
	}

	/** True if the user ever had a member event in this room's timeline. */
	get everMember(): boolean {
		return this.changes.length > 0;
	}

	/** Visibility and the user's membership in one state group. */
	private facts(groupId: number): { visibility: HistoryVisibility; membership: MembershipValue | null } {
		let facts = this.atGroup.get(groupId);
		if (facts === undefined) {
			const hv = this.read.stateAt(groupId, "m.room.history_visibility", "", "$.content.history_visibility");
			const member = this.read.stateAt(groupId, "m.room.member", this.userId, "$.content.membership");
			facts = {
				visibility: historyVisibilityOf(contentWith("history_visibility", hv?.value ?? null)),
				membership: membershipOf(contentWith("membership", member?.value ?? null)),
			};
			this.atGroup.set(groupId, facts);
		}
		return facts;
	}

	canSee(row: EventRow): boolean {
		const state = this.read.eventState(row.event_id);
		// Every timeline event gets its state recorded with it; an event without one is not servable.
		if (state === null) return false;
		const before = this.facts(state.state_before);
		const ctx = { visibility: before.visibility, membership: before.membership, joinedLater: joinedAfter(this.changes, row.stream_ordering) };
		if (row.type === "m.room.history_visibility" && row.state_key === "") {
			return isEventVisible({ ...ctx, visibilityAfter: this.facts(state.state_after).visibility });
		}
		if (row.type === "m.room.member" && row.state_key === this.userId) {
			return isEventVisible({ ...ctx, membershipAfter: this.facts(state.state_after).membership });
		}
		return isEventVisible(ctx);
	}
}
