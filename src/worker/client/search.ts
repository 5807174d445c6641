// POST /_matrix/client/v3/search: server-side search of room events in the rooms the caller is joined to.
// Each room matches its own events (RoomDO.searchJson → room/search.ts, history visibility applied); this
// route merges them into one ordered page. Encrypted events are never searched: the server cannot read
// them, so in encrypted rooms (the default) clients search locally.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3search

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { roomMatches } from "../../protocol/sync/filter";
import { roomsWithMembership } from "../d1/memberships";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import type { ClientEvent } from "../room/api";
import type { RoomSearchResult, SearchHit } from "../room/search";
import { parseSearchBody, type RoomEventsCriteria } from "./search-request";

/** Rooms searched per request (joined rooms beyond it, by room ID, are left out) and results one page may skip. */
const MAX_ROOMS = 200;
const MAX_OFFSET = 500;

type Hit = SearchHit & { room_id: string };

function parseNextBatch(raw: string | undefined): number {
	if (raw === undefined) return 0;
	const m = /^o(\d+)$/.exec(raw);
	if (m === null || Number(m[1]) > MAX_OFFSET) throw new MatrixError("M_INVALID_PARAM", "Unknown next_batch token");
	return Number(m[1]);
}

function compareHits(order: "rank" | "recent"): (a: Hit, b: Hit) => number {
	const recent = (a: Hit, b: Hit) => b.origin_server_ts - a.origin_server_ts || b.stream_ordering - a.stream_ordering || (a.room_id < b.room_id ? -1 : 1);
	return order === "rank" ? (a, b) => b.rank - a.rank || recent(a, b) : recent;
}

/** groups[key][value] = { order, results, next_batch? }: the page's event IDs per room or sender. */
function groupsOf(criteria: RoomEventsCriteria, page: Hit[], rest: Hit[], nextBatch: string | undefined) {
	const groups: Record<string, Record<string, { order: number; results: string[]; next_batch?: string }>> = {};
	for (const key of criteria.groupBy) {
		const byValue: Record<string, { order: number; results: string[]; next_batch?: string }> = {};
		const valueOf = (h: Hit) => (key === "room_id" ? h.room_id : h.result.sender);
		for (const hit of page) {
			const group = (byValue[valueOf(hit)] ??= { order: Object.keys(byValue).length + 1, results: [] });
			group.results.push(hit.result.event_id);
		}
		// A group continues on the next page only if one of the results held back belongs to it.
		if (nextBatch !== undefined) for (const hit of rest) { const g = byValue[valueOf(hit)]; if (g !== undefined) g.next_batch = nextBatch; }
		groups[key] = byValue;
	}
	return groups;
}

async function searchRoomEvents(c: Context<AppEnv>, criteria: RoomEventsCriteria, offset: number) {
	const user = c.get("user");
	const joined = (await roomsWithMembership(c.env.DB, user, "join")).filter((id) => roomMatches(criteria.roomFilter, id)).slice(0, MAX_ROOMS);
	const wanted = offset + criteria.limit + 1;
	const request = {
		user_id: user,
		device_id: c.get("device"),
		words: criteria.words,
		keys: criteria.keys,
		...(criteria.filter === undefined ? {} : { filter: criteria.filter }),
		limit: wanted,
		order: criteria.order,
		...(criteria.context === undefined ? {} : { context: criteria.context }),
		include_state: criteria.includeState,
	};
	const perRoom = criteria.words.length === 0 ? [] : await Promise.all(
		joined.map(async (roomId) => {
			const result = await c.env.ROOM.getByName(roomId).searchJson(request);
			// A room the index still lists but that refuses the read (a join not yet mirrored back) has no results.
			return { roomId, result: result.ok ? (JSON.parse(unwrapRpc(result)) as RoomSearchResult) : null };
		}),
	);
	const all: Hit[] = perRoom.flatMap(({ roomId, result }) => (result?.hits ?? []).map((h) => ({ ...h, room_id: roomId })));
	all.sort(compareHits(criteria.order));
	const page = all.slice(offset, offset + criteria.limit);
	const rest = all.slice(offset + criteria.limit);
	const nextBatch = rest.length > 0 && offset + criteria.limit <= MAX_OFFSET ? `o${offset + criteria.limit}` : undefined;
	const state: Record<string, ClientEvent[]> = {};
	if (criteria.includeState) {
		const shown = new Set(page.map((h) => h.room_id));
		for (const { roomId, result } of perRoom) if (shown.has(roomId) && result?.state !== undefined) state[roomId] = result.state;
	}
	return {
		count: perRoom.reduce((n, r) => n + (r.result?.count ?? 0), 0),
		highlights: criteria.words,
		results: page.map((h) => ({ rank: h.rank, result: h.result, ...(h.context === undefined ? {} : { context: h.context }) })),
		...(criteria.includeState ? { state } : {}),
		...(criteria.groupBy.length > 0 ? { groups: groupsOf(criteria, page, rest, nextBatch) } : {}),
		...(nextBatch === undefined ? {} : { next_batch: nextBatch }),
	};
}

export const searchEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/search",
		auth: "user",
		// Each search wakes every joined room: a tight limit.
		rateLimit: { perSecond: 0.5, burst: 5 },
		handler: async (c) => {
			const offset = parseNextBatch(c.req.query("next_batch"));
			const body = await readJsonBody(c, parseSearchBody);
			if (body.roomEvents === undefined) return c.json({ search_categories: {} });
			return c.json({ search_categories: { room_events: await searchRoomEvents(c, body.roomEvents, offset) } });
		},
	},
];
