// The POST /search request body: validated into the criteria client/search.ts runs. Wrong types are
// M_BAD_JSON, missing required fields M_MISSING_PARAM; the filter goes through the one filter parser.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3search

import { MatrixError } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { FilterError, parseFilter } from "../../protocol/sync/filter";
import type { RoomEventFilterSpec } from "../room/read-api";
import { SEARCH_KEYS, type SearchKey } from "../room/search";

/** Spec defaults: 5 events of context each side, 10 results a page (Synapse's); our caps keep pages bounded. */
const DEFAULT_CONTEXT = 5;
const MAX_CONTEXT = 20;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;
/** Words searched for; a longer term is cut (every word must match, so more would only narrow it). */
const MAX_WORDS = 16;

export interface RoomEventsCriteria {
	words: string[];
	keys: SearchKey[];
	roomFilter: { rooms?: string[]; not_rooms?: string[] };
	filter?: RoomEventFilterSpec;
	limit: number;
	order: "rank" | "recent";
	context?: { before: number; after: number; include_profile: boolean };
	includeState: boolean;
	groupBy: ("room_id" | "sender")[];
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function bad(message: string): never {
	throw new MatrixError("M_BAD_JSON", message);
}

function contextLimit(obj: JsonObject, key: string): number {
	const v = obj[key];
	if (v === undefined) return DEFAULT_CONTEXT;
	if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) bad(`event_context.${key} must be a non-negative integer`);
	return Math.min(v, MAX_CONTEXT);
}

function parseFilterPart(raw: JsonValue | undefined): Pick<RoomEventsCriteria, "roomFilter" | "limit"> & { filter?: RoomEventFilterSpec } {
	if (raw === undefined) return { roomFilter: {}, limit: DEFAULT_LIMIT };
	if (!isObject(raw)) bad("filter must be an object");
	let timeline;
	try {
		timeline = parseFilter({ room: { timeline: raw } }).room?.timeline ?? {};
	} catch (err) {
		if (err instanceof FilterError) bad(err.message.replace("filter.room.timeline", "filter"));
		throw err;
	}
	const { rooms, not_rooms, limit, types, not_types, senders, not_senders, contains_url } = timeline;
	const filter: RoomEventFilterSpec = {
		...(types === undefined ? {} : { types }),
		...(not_types === undefined ? {} : { not_types }),
		...(senders === undefined ? {} : { senders }),
		...(not_senders === undefined ? {} : { not_senders }),
		...(contains_url === undefined ? {} : { contains_url }),
	};
	return {
		roomFilter: { ...(rooms === undefined ? {} : { rooms }), ...(not_rooms === undefined ? {} : { not_rooms }) },
		limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
		...(Object.keys(filter).length === 0 ? {} : { filter }),
	};
}

function parseRoomEvents(obj: JsonObject): RoomEventsCriteria {
	if (obj.search_term === undefined) throw new MatrixError("M_MISSING_PARAM", "search_term is required");
	if (typeof obj.search_term !== "string") bad("search_term must be a string");
	// Matching is case-insensitive; SQLite's lower() folds ASCII only, so the words are folded the same way.
	const words = [...new Set(obj.search_term.replace(/[A-Z]/g, (ch) => ch.toLowerCase()).split(/\s+/).filter((w) => w !== ""))].slice(0, MAX_WORDS);
	const keysRaw = obj.keys ?? [...SEARCH_KEYS];
	if (!Array.isArray(keysRaw) || keysRaw.length === 0) bad("keys must be a non-empty array");
	const keys = keysRaw.map((k) => SEARCH_KEYS.find((s) => s === k) ?? bad(`Unknown search key ${JSON.stringify(k)}`));
	const order = obj.order_by ?? "rank";
	if (order !== "rank" && order !== "recent") bad("order_by must be 'rank' or 'recent'");
	let context: RoomEventsCriteria["context"];
	if (obj.event_context !== undefined) {
		const ec = obj.event_context;
		if (!isObject(ec)) bad("event_context must be an object");
		if (ec.include_profile !== undefined && typeof ec.include_profile !== "boolean") bad("event_context.include_profile must be a boolean");
		context = { before: contextLimit(ec, "before_limit"), after: contextLimit(ec, "after_limit"), include_profile: ec.include_profile === true };
	}
	if (obj.include_state !== undefined && typeof obj.include_state !== "boolean") bad("include_state must be a boolean");
	const groupBy: RoomEventsCriteria["groupBy"] = [];
	if (obj.groupings !== undefined) {
		const g = obj.groupings;
		if (!isObject(g) || (g.group_by !== undefined && !Array.isArray(g.group_by))) bad("groupings.group_by must be an array");
		for (const entry of Array.isArray(g.group_by) ? g.group_by : []) {
			const key = isObject(entry) ? entry.key : undefined;
			if (key !== "room_id" && key !== "sender") bad("groupings.group_by[].key must be 'room_id' or 'sender'");
			if (!groupBy.includes(key)) groupBy.push(key);
		}
	}
	return { words, keys: [...new Set(keys)], ...parseFilterPart(obj.filter), order, ...(context === undefined ? {} : { context }), includeState: obj.include_state === true, groupBy };
}

export function parseSearchBody(body: JsonObject): { roomEvents?: RoomEventsCriteria } {
	const categories = body.search_categories;
	if (categories === undefined) throw new MatrixError("M_MISSING_PARAM", "search_categories is required");
	if (!isObject(categories)) bad("search_categories must be an object");
	if (categories.room_events === undefined) return {};
	if (!isObject(categories.room_events)) bad("search_categories.room_events must be an object");
	return { roomEvents: parseRoomEvents(categories.room_events) };
}
