// GET /rooms/{roomId}/event/{eventId} and /context/{eventId}: one event, and the events around it.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomideventeventid and
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidcontexteventid

import type { RpcResult } from "../../protocol/errors";
import type { ClientEvent } from "./api";
import type { ContextRequest, ContextResponse } from "./read-api";
import { membersFor } from "./read-members";
import { filterAccepts } from "./read-messages";
import { scanVisible } from "./read-scan";
import type { ReadSession } from "./read-session";
import type { EventRow } from "./read-store";
import { formatState, stateAtPosition } from "./read-state";
import { formatRoomToken } from "./read-token";

/** Spec: 404 "The event was not found or you do not have permission to read this event." */
const NOT_FOUND = { ok: false, errcode: "M_NOT_FOUND", error: "Event not found" } as const;

function visibleRow(session: ReadSession, eventId: string): EventRow | null {
	const row = session.read.event(eventId);
	return row !== null && session.canSee(row) ? row : null;
}

export function readEvent(session: ReadSession, eventId: string): RpcResult<ClientEvent> {
	const row = visibleRow(session, eventId);
	return row === null ? NOT_FOUND : { ok: true, value: session.format(row, true) };
}

export function readContext(session: ReadSession, req: ContextRequest): RpcResult<ContextResponse> {
	const row = visibleRow(session, req.event_id);
	if (row === null) return NOT_FOUND;
	// Spec: the limit applies to the sum of events_before and events_after (Synapse splits it in half).
	const beforeLimit = Math.floor(req.limit / 2);
	const afterLimit = req.limit - beforeLimit;
	const accept = filterAccepts(req.filter);
	const opts = accept === undefined ? {} : { accept };
	const before =
		beforeLimit > 0
			? scanVisible(session, { from: row.stream_ordering - 1, dir: "b", bound: session.read.floor(), limit: beforeLimit, ...opts })
			: { rows: [], next: row.stream_ordering - 1, exhausted: false };
	const after =
		afterLimit > 0
			? scanVisible(session, { from: row.stream_ordering, dir: "f", bound: session.info.stream_position, limit: afterLimit, ...opts })
			: { rows: [], next: row.stream_ordering, exhausted: false };
	const last = after.rows.at(-1) ?? row;
	// Spec: "The state of the room at the last event returned."
	const state = stateAtPosition(session, last.stream_ordering);
	const all = [row, ...before.rows, ...after.rows];
	const stateEvents =
		req.filter?.lazy_load_members === true
			? membersFor(session, [last], new Set(all.map((r) => r.sender)))
			: formatState(session, state);
	return {
		ok: true,
		value: {
			event: session.format(row, true),
			events_before: before.rows.map((r) => session.format(r, true)),
			events_after: after.rows.map((r) => session.format(r, true)),
			start: formatRoomToken(before.next),
			end: formatRoomToken(after.next),
			state: stateEvents,
		},
	};
}
