// Member state for lazy loading: the m.room.member events of the senders a page of events shows.
// Spec: https://spec.matrix.org/latest/client-server-api/#lazy-loading-room-members

import type { ClientEvent } from "./api";
import type { ReadSession } from "./read-session";
import type { EventRow } from "./read-store";

/**
 * The member events of `users` in the state at the newest of `rows` (after it), skipping member events
 * that are themselves among `rows`.
 */
export function membersFor(session: ReadSession, rows: readonly EventRow[], users: ReadonlySet<string>): ClientEvent[] {
	const newest = rows.reduce((a, b) => (b.stream_ordering > a.stream_ordering ? b : a));
	const state = session.store.getEventState(newest.event_id);
	if (state === null) return [];
	const shown = new Set(rows.map((r) => r.event_id));
	const out: ClientEvent[] = [];
	for (const user of [...users].sort()) {
		const member = session.read.stateAt(state.state_after, "m.room.member", user);
		if (member === null || shown.has(member.event_id)) continue;
		const row = session.read.event(member.event_id);
		if (row !== null) out.push(session.format(row, true));
	}
	return out;
}
