// RoomDO.searchJson: server-side search of one room's timeline for one reader. Rooms are encrypted by
// default, and the server cannot and must not read encrypted content: m.room.encrypted events are never
// matched (nor decrypted: the server has no keys), so only unencrypted rooms' events can be found.
// Matching is case-insensitive substring matching (SQLite instr over lower()) of every search word in the
// chosen content keys; it scans the newest MAX_SCAN events, so a request stays bounded in a large room.
// (No FTS5 index: it would duplicate plaintext and cost every send a write, for a rarely used endpoint.)
// Spec: https://spec.matrix.org/latest/client-server-api/#server-side-search

import type { RpcResult } from "../../protocol/errors";
import type { ClientEvent } from "./api";
import type { Reader, RoomEventFilterSpec } from "./read-api";
import { filterAccepts } from "./read-messages";
import { scanVisible } from "./read-scan";
import { openRead, type ReadSession } from "./read-session";
import { readState } from "./read-state";
import type { EventRow } from "./read-store";
import { formatRoomToken } from "./read-token";
import type { RoomStore } from "./store";

export type SearchKey = "content.body" | "content.name" | "content.topic";
export const SEARCH_KEYS: readonly SearchKey[] = ["content.body", "content.name", "content.topic"];

export interface SearchRequest extends Reader {
	/** Lower-cased words; an event matches when each appears in one of `keys`. */
	words: string[];
	keys: SearchKey[];
	filter?: RoomEventFilterSpec;
	/** Matches to return, best first in `order`. */
	limit: number;
	order: "rank" | "recent";
	context?: { before: number; after: number; include_profile: boolean };
	include_state: boolean;
}

export interface SearchHit {
	rank: number;
	origin_server_ts: number;
	stream_ordering: number;
	result: ClientEvent;
	context?: SearchContext;
}

export interface SearchContext {
	events_before: ClientEvent[];
	events_after: ClientEvent[];
	start: string;
	end: string;
	profile_info?: Record<string, Profile>;
}

type Profile = { displayname?: string; avatar_url?: string };

export interface RoomSearchResult {
	/** Visible matches among the scanned events (an approximation in very large rooms). */
	count: number;
	hits: SearchHit[];
	state?: ClientEvent[];
}

/** Newest events looked at per room and request, and matches kept before visibility and ranking. */
const MAX_SCAN = 20_000;
const MAX_MATCHES = 1_000;

type MatchRow = EventRow & { haystack: string };

/** The searched text of an event: the string values of the chosen keys (non-strings count as empty). */
function haystackSql(keys: readonly SearchKey[]): string {
	const parts = keys.map((k) => {
		const path = `'$.${k}'`;
		return `CASE WHEN json_type(pdu, ${path}) = 'text' THEN json_extract(pdu, ${path}) ELSE '' END`;
	});
	return `lower(${parts.join(" || char(10) || ")})`;
}

function matchingRows(sql: SqlStorage, words: readonly string[], keys: readonly SearchKey[]): MatchRow[] {
	const conditions = words.map(() => "instr(haystack, ?) > 0").join(" AND ");
	return sql
		.exec<MatchRow>(
			`SELECT * FROM (
				SELECT event_id, stream_ordering, type, state_key, sender, origin_server_ts, pdu, ${haystackSql(keys)} AS haystack
				FROM (SELECT * FROM events WHERE stream_ordering IS NOT NULL ORDER BY stream_ordering DESC LIMIT ?) recent
				WHERE rejected = 0 AND soft_failed = 0 AND type <> 'm.room.encrypted'
					-- A redacted event's content is gone for clients; it must not be findable by it either.
					AND NOT EXISTS (SELECT 1 FROM redactions r JOIN events re ON re.event_id = r.event_id
						WHERE r.redacts = recent.event_id AND re.rejected = 0 AND re.soft_failed = 0)
			) WHERE ${conditions} ORDER BY stream_ordering DESC LIMIT ?`,
			MAX_SCAN,
			...words,
			MAX_MATCHES,
		)
		.toArray();
}

/** Occurrences of the words per word of text: higher is closer, in (0, 1]-ish. */
function rankOf(haystack: string, words: readonly string[]): number {
	let hits = 0;
	for (const w of words) for (let i = haystack.indexOf(w); i !== -1; i = haystack.indexOf(w, i + w.length)) hits++;
	const length = haystack.split(/\s+/).filter((s) => s !== "").length;
	return hits / Math.max(1, length);
}

/** The sender's display name and avatar in the state before the event ("historic profile information"). */
function profileAt(session: ReadSession, row: EventRow): Profile {
	const state = session.store.getEventState(row.event_id);
	if (state === null) return {};
	const member = session.read.stateAt(state.state_before, "m.room.member", row.sender);
	const content = member === null ? null : session.read.anyEvent(member.event_id);
	if (content === null) return {};
	const served = session.formatter.servedContent(content.event_id, content.pdu);
	return {
		...(typeof served.displayname === "string" ? { displayname: served.displayname } : {}),
		...(typeof served.avatar_url === "string" ? { avatar_url: served.avatar_url } : {}),
	};
}

function contextOf(session: ReadSession, row: EventRow, ctx: NonNullable<SearchRequest["context"]>): SearchContext {
	const before = scanVisible(session, { from: row.stream_ordering - 1, dir: "b", bound: session.read.floor(), limit: Math.max(1, ctx.before) });
	const after = scanVisible(session, { from: row.stream_ordering, dir: "f", bound: session.info.stream_position, limit: Math.max(1, ctx.after) });
	const beforeRows = before.rows.slice(0, ctx.before);
	const afterRows = after.rows.slice(0, ctx.after);
	const out: SearchContext = {
		events_before: beforeRows.map((r) => session.format(r, true)),
		events_after: afterRows.map((r) => session.format(r, true)),
		start: formatRoomToken(before.next),
		end: formatRoomToken(after.next),
	};
	if (ctx.include_profile) {
		const profiles: Record<string, Profile> = {};
		for (const r of [...beforeRows, row, ...afterRows]) profiles[r.sender] ??= profileAt(session, r);
		out.profile_info = profiles;
	}
	return out;
}

export function searchRoom(storage: DurableObjectStorage, store: RoomStore, now: number, req: SearchRequest): RpcResult<RoomSearchResult> {
	const reader = { user_id: req.user_id, ...(req.device_id === undefined ? {} : { device_id: req.device_id }) };
	const opened = openRead(storage, reader, now, store.getRoomInfo());
	if (!opened.ok) return opened;
	const session = opened.value;
	const accept = filterAccepts(req.filter);
	// History visibility: only events this reader may see are counted or returned.
	const visible = matchingRows(storage.sql, req.words, req.keys).filter((r) => (accept === undefined || accept(r)) && session.canSee(r));
	const scored = visible.map((row) => ({ row, rank: rankOf(row.haystack, req.words) }));
	if (req.order === "rank") scored.sort((a, b) => b.rank - a.rank || b.row.stream_ordering - a.row.stream_ordering);
	const hits = scored.slice(0, req.limit).map(({ row, rank }): SearchHit => {
		const { haystack: _haystack, ...event } = row;
		return {
			rank,
			origin_server_ts: row.origin_server_ts,
			stream_ordering: row.stream_ordering,
			result: session.format(event, true),
			...(req.context === undefined ? {} : { context: contextOf(session, event, req.context) }),
		};
	});
	const state = req.include_state && hits.length > 0 ? readState(session) : null;
	return { ok: true, value: { count: visible.length, hits, ...(state?.ok === true ? { state: state.value } : {}) } };
}
