// GET /rooms/{roomId}/messages: one page of the timeline in either direction, visible events only.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidmessages

import type { RpcResult } from "../../protocol/errors";
import { eventMatches } from "../../protocol/sync/filter";
import { parseSyncToken } from "../../protocol/sync/sync-token";
import type { JsonValue } from "../../protocol/events/pdu";
import type { ClientEvent } from "./api";
import type { MessagesRequest, MessagesResponse, RoomEventFilterSpec } from "./read-api";
import { membersFor } from "./read-members";
import { scanVisible } from "./read-scan";
import type { ReadSession } from "./read-session";
import type { EventRow } from "./read-store";
import { formatRoomToken, parseRoomToken } from "./read-token";

/** An accept function for a RoomEventFilter: types/senders (with `*`), and contains_url. */
export function filterAccepts(filter: RoomEventFilterSpec | undefined): ((row: EventRow) => boolean) | undefined {
	if (filter === undefined) return undefined;
	return (row) => {
		if (!eventMatches(filter, { type: row.type, sender: row.sender })) return false;
		if (filter.contains_url !== undefined) {
			const content = (JSON.parse(row.pdu) as { content?: { url?: JsonValue } }).content;
			const hasUrl = typeof content?.url === "string";
			if (hasUrl !== filter.contains_url) return false;
		}
		return true;
	};
}

function badToken(which: string): RpcResult<never> {
	return { ok: false, errcode: "M_INVALID_PARAM", error: `Invalid ${which} token` };
}

export function readMessages(session: ReadSession, req: MessagesRequest): RpcResult<MessagesResponse> {
	const position = session.info.stream_position;
	// Spec: `from` may also be a /sync next_batch. Those count the user's stream, not the room's, and the
	// room cannot map one back, so it stands for the live end (what the client saw when it synced last).
	const fromSync = req.from !== undefined && parseSyncToken(req.from) !== undefined;
	// The room's first gap lies below zero once history was backfilled (read-token.ts).
	const floor = session.read.floor();
	const from = req.from === undefined || fromSync ? (req.dir === "b" || fromSync ? position : floor) : parseRoomToken(req.from);
	if (from === undefined) return badToken("from");
	const to = req.to === undefined ? undefined : parseRoomToken(req.to);
	if (req.to !== undefined && to === undefined) return badToken("to");
	// Forward pages stop at the live end; a token from the future reads as the live end.
	const start = Math.min(from, position);
	const bound = req.dir === "b" ? (to ?? floor) : Math.min(to ?? position, position);
	const accept = filterAccepts(req.filter);
	const scan = scanVisible(session, { from: start, dir: req.dir, bound, limit: req.limit, ...(accept === undefined ? {} : { accept }) });
	const chunk: ClientEvent[] = scan.rows.map((row) => session.format(row, true));
	const out: MessagesResponse = { chunk, start: formatRoomToken(start) };
	// Spec: `end` is omitted when no further events are available. Forward paging at the live end keeps a
	// token when it returned events, so a client can poll on from there.
	const more = req.dir === "b" ? !scan.exhausted : !scan.exhausted || chunk.length > 0;
	if (more) out.end = formatRoomToken(scan.next);
	if (req.filter?.lazy_load_members === true && scan.rows.length > 0) {
		out.state = membersFor(session, scan.rows, new Set(scan.rows.map((r) => r.sender)));
	}
	return { ok: true, value: out };
}
