// GET /_matrix/client/v1/rooms/{roomId}/hierarchy: the space tree below a room, depth first, from each
// room's current m.space.child state (asked of that room's RoomDO). Only rooms this server holds are walked:
// a child we do not know is skipped (asking its `via` servers needs federation, a later issue), as is a child
// the caller may not preview (client/room-access.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1roomsroomidhierarchy

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { parseRoomId } from "../../protocol/ids/room-id";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import type { RoomSummaryView, SpaceChildState } from "../room/room-summary";
import { mayPreview, roomSummary } from "./room-access";

/** "Servers should apply a default value, and impose a maximum value to avoid resource exhaustion." */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
const DEFAULT_MAX_DEPTH = 5;
const MAX_DEPTH = 10;
/** Rooms one request may ask for their summary (pages recompute the walk up to their end). */
const MAX_VISITS = 1000;

interface Walk {
	maxDepth: number;
	suggestedOnly: boolean;
}

function intParam(c: Context<AppEnv>, name: string, fallback: number, min: number, max: number): number {
	const raw = c.req.query(name);
	if (raw === undefined) return fallback;
	if (!/^\d+$/.test(raw) || Number(raw) < min) throw new MatrixError("M_INVALID_PARAM", `${name} must be an integer of at least ${min}`);
	return Math.min(Number(raw), max);
}

export function boolParam(c: Context<AppEnv>, name: string): boolean {
	const raw = c.req.query(name);
	if (raw === undefined || raw === "false") return false;
	if (raw === "true") return true;
	throw new MatrixError("M_INVALID_PARAM", `${name} must be true or false`);
}

/** `from` tokens carry the offset and the walk they belong to: "max_depth and suggested_only cannot be changed". */
function parseFrom(from: string | undefined, walk: Walk): number {
	if (from === undefined) return 0;
	const m = /^(\d+)_(\d+)_([01])$/.exec(from);
	if (m === null) throw new MatrixError("M_INVALID_PARAM", "Unknown pagination token");
	if (Number(m[2]) !== walk.maxDepth || (m[3] === "1") !== walk.suggestedOnly) {
		throw new MatrixError("M_INVALID_PARAM", "suggested_only and max_depth cannot change on paginated requests");
	}
	return Number(m[1]);
}

/** The room's m.space.child events, only the suggested ones if asked (client and federation hierarchy alike). */
export function childrenOf(view: RoomSummaryView, walk: { suggestedOnly: boolean }): SpaceChildState[] {
	return walk.suggestedOnly ? view.children_state.filter((c) => c.content.suggested === true) : view.children_state;
}

type Entry = RoomSummaryView["summary"] & { children_state: SpaceChildState[] };

/** Depth-first from the root until `wanted` rooms are found; the root must be previewable (else 403). */
async function walkSpace(env: Env, root: string, user: string, walk: Walk, wanted: number): Promise<Entry[]> {
	const out: Entry[] = [];
	const seen = new Set<string>([root]);
	const stack: { roomId: string; depth: number }[] = [{ roomId: root, depth: 0 }];
	let visits = 0;
	while (stack.length > 0 && out.length < wanted && visits < MAX_VISITS) {
		const { roomId, depth } = stack.shift()!;
		visits++;
		const view = await roomSummary(env, roomId, user);
		const visible = view !== null && (await mayPreview(env, view, user));
		if (roomId === root && !visible) throw new MatrixError("M_FORBIDDEN", "You are not allowed to view this room");
		if (view === null || !visible) continue;
		const children = childrenOf(view, walk);
		out.push({ ...view.summary, children_state: children });
		if (depth >= walk.maxDepth) continue;
		const next = children.map((c) => c.state_key).filter((id) => parseRoomId(id) !== undefined && !seen.has(id));
		for (const id of next) seen.add(id);
		stack.unshift(...next.map((roomId) => ({ roomId, depth: depth + 1 })));
	}
	return out;
}

export const spaceHierarchyEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v1/rooms/:roomId/hierarchy",
		auth: "user",
		rateLimit: { perSecond: 2, burst: 10 },
		handler: async (c) => {
			const roomId = parseRoomId(c.req.param("roomId"));
			if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
			// "limit: Must be an integer greater than zero"; "max_depth: Must be a non-negative integer."
			const limit = intParam(c, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
			const walk: Walk = { maxDepth: intParam(c, "max_depth", DEFAULT_MAX_DEPTH, 0, MAX_DEPTH), suggestedOnly: boolParam(c, "suggested_only") };
			const offset = parseFrom(c.req.query("from"), walk);
			// One room past the page tells whether a next page exists.
			const rooms = await walkSpace(c.env, roomId, c.get("user"), walk, offset + limit + 1);
			if (offset > 0 && offset >= rooms.length) throw new MatrixError("M_INVALID_PARAM", "Unknown pagination token");
			const page = rooms.slice(offset, offset + limit);
			const more = rooms.length > offset + limit;
			return c.json({ rooms: page, ...(more ? { next_batch: `${offset + limit}_${walk.maxDepth}_${walk.suggestedOnly ? 1 : 0}` } : {}) });
		},
	},
];
