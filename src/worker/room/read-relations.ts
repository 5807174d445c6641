// Relations, threads and timestamp lookup: GET /v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]],
// /v1/rooms/{roomId}/threads and /v1/rooms/{roomId}/timestamp_to_event. Visible events only.
// Spec: https://spec.matrix.org/latest/client-server-api/#relationships and #threading

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import type { ClientEvent } from "./api";
import type { RelationsRequest, RelationsResponse, ThreadsRequest, ThreadsResponse } from "./read-api";
import type { ReadSession } from "./read-session";
import type { Direction, EventRow } from "./read-store";
import { formatRoomToken, parseRoomToken } from "./read-token";

const BATCH = 100;
const NOT_FOUND = { ok: false, errcode: "M_NOT_FOUND", error: "Event not found" } as const;
const BAD_TOKEN = { ok: false, errcode: "M_INVALID_PARAM", error: "Invalid pagination token" } as const;

/** Visible relations of `parent` between two gaps (same token semantics as /messages). */
function scanRelations(
	session: ReadSession,
	parent: string,
	relType: string | null,
	eventType: string | null,
	from: number,
	dir: Direction,
	bound: number,
	limit: number,
): { rows: EventRow[]; next: number; exhausted: boolean } {
	const rows: EventRow[] = [];
	let next = from;
	for (;;) {
		const [low, high] = dir === "b" ? [bound, next] : [next, bound];
		if (high <= low) return { rows, next, exhausted: true };
		const batch = session.read.relations(parent, relType, eventType, low, high, dir, BATCH);
		for (const row of batch) {
			next = dir === "b" ? row.stream_ordering - 1 : row.stream_ordering;
			if (!session.canSee(row)) continue;
			rows.push(row);
			if (rows.length >= limit) return { rows, next, exhausted: false };
		}
		if (batch.length < BATCH) return { rows, next: bound, exhausted: true };
	}
}

export function readRelations(session: ReadSession, req: RelationsRequest): RpcResult<RelationsResponse> {
	const parent = session.read.event(req.event_id);
	if (parent === null || !session.canSee(parent)) return NOT_FOUND;
	const position = session.info.stream_position;
	const floor = session.read.floor();
	const from = req.from === undefined ? (req.dir === "b" ? position : floor) : parseRoomToken(req.from);
	const to = req.to === undefined ? undefined : parseRoomToken(req.to);
	if (from === undefined || (req.to !== undefined && to === undefined)) return BAD_TOKEN;
	const bound = req.dir === "b" ? (to ?? floor) : Math.min(to ?? position, position);
	const scan = scanRelations(session, req.event_id, req.rel_type ?? null, req.event_type ?? null, Math.min(from, position), req.dir, bound, req.limit);
	const out: RelationsResponse = { chunk: scan.rows.map((r) => session.format(r, true)) };
	if (!scan.exhausted) out.next_batch = formatRoomToken(scan.next);
	if (req.from !== undefined) out.prev_batch = req.from;
	return { ok: true, value: out };
}

/** Thread roots by latest activity, each with the spec's bundled `m.thread` summary. */
export function readThreads(session: ReadSession, req: ThreadsRequest): RpcResult<ThreadsResponse> {
	const from = req.from === undefined ? session.info.stream_position : parseRoomToken(req.from);
	if (from === undefined) return BAD_TOKEN;
	const chunk: ClientEvent[] = [];
	let high = from;
	for (;;) {
		const roots = session.read.threadRoots(high, BATCH);
		for (const { root, latest } of roots) {
			high = latest - 1;
			const rootRow = session.read.event(root);
			if (rootRow === null || !session.canSee(rootRow)) continue;
			// The root's bundle (read-bundle.ts) carries the thread summary the spec asks for.
			const event = session.format(rootRow, true);
			const thread = (event.unsigned?.["m.relations"] as JsonObject | undefined)?.["m.thread"] as JsonObject | undefined;
			if (thread === undefined) continue;
			if (req.include === "participated" && thread.current_user_participated !== true) continue;
			chunk.push(event);
			if (chunk.length >= req.limit) return { ok: true, value: { chunk, next_batch: formatRoomToken(high) } };
		}
		if (roots.length < BATCH) return { ok: true, value: { chunk } };
	}
}

/** The visible event closest to `ts` in direction `dir`, by origin_server_ts. Spec: #get_matrixclientv1roomsroomidtimestamp_to_event */
export function readTimestampToEvent(session: ReadSession, ts: number, dir: Direction): RpcResult<{ event_id: string; origin_server_ts: number }> {
	for (let skip = 0; skip < 1000; skip += 50) {
		const rows = session.read.closestByTs(ts, dir, skip, 50);
		const hit = rows.find((r) => session.canSee(r));
		if (hit !== undefined) return { ok: true, value: { event_id: hit.event_id, origin_server_ts: hit.origin_server_ts } };
		if (rows.length < 50) break;
	}
	return { ok: false, errcode: "M_NOT_FOUND", error: "No event found in that direction" };
}
