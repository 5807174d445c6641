// Sync filters: validating the JSON a client uploads (or inlines) and applying it to events.
// Spec: https://spec.matrix.org/latest/client-server-api/#filtering and
// https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3useruseridfilter

import type { JsonObject, JsonValue } from "../events/pdu";

export interface EventFilter {
	limit?: number;
	types?: string[];
	not_types?: string[];
	senders?: string[];
	not_senders?: string[];
}

export interface RoomEventFilter extends EventFilter {
	rooms?: string[];
	not_rooms?: string[];
	contains_url?: boolean;
	lazy_load_members?: boolean;
	include_redundant_members?: boolean;
	unread_thread_notifications?: boolean;
}

export interface RoomFilter {
	rooms?: string[];
	not_rooms?: string[];
	include_leave?: boolean;
	timeline?: RoomEventFilter;
	state?: RoomEventFilter;
	ephemeral?: RoomEventFilter;
	account_data?: RoomEventFilter;
}

export interface Filter {
	event_fields?: string[];
	event_format?: "client" | "federation";
	presence?: EventFilter;
	account_data?: EventFilter;
	room?: RoomFilter;
}

/** The timeline limit when a filter names none (Synapse's and Dendrite's default). */
export const DEFAULT_TIMELINE_LIMIT = 10;
/** Clients may ask for more, but one sync response stays bounded. */
export const MAX_TIMELINE_LIMIT = 100;

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringArray = (v: JsonValue | undefined): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Thrown by parseFilter with the path of the offending field; routes turn it into the spec's errcode. */
export class FilterError extends Error {}

function strings(obj: JsonObject, key: string, path: string): string[] | undefined {
	const v = obj[key];
	if (v === undefined) return undefined;
	if (!isStringArray(v)) throw new FilterError(`${path}.${key} must be an array of strings`);
	return v;
}

function bool(obj: JsonObject, key: string, path: string): boolean | undefined {
	const v = obj[key];
	if (v === undefined) return undefined;
	if (typeof v !== "boolean") throw new FilterError(`${path}.${key} must be a boolean`);
	return v;
}

function object(obj: JsonObject, key: string, path: string): JsonObject | undefined {
	const v = obj[key];
	if (v === undefined) return undefined;
	if (!isObject(v)) throw new FilterError(`${path}.${key} must be an object`);
	return v;
}

/** Keeps only defined fields, so a parsed filter re-serialises to what the client meant. */
function defined<T extends object>(o: T): T {
	for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
	return o;
}

function parseEventFilter(obj: JsonObject, path: string): EventFilter {
	const limit = obj.limit;
	// Spec: "The maximum number of events to return, must be an integer greater than 0."
	if (limit !== undefined && (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1)) {
		throw new FilterError(`${path}.limit must be an integer greater than 0`);
	}
	return defined({
		limit,
		types: strings(obj, "types", path),
		not_types: strings(obj, "not_types", path),
		senders: strings(obj, "senders", path),
		not_senders: strings(obj, "not_senders", path),
	});
}

function parseRoomEventFilter(obj: JsonObject, path: string): RoomEventFilter {
	return defined({
		...parseEventFilter(obj, path),
		rooms: strings(obj, "rooms", path),
		not_rooms: strings(obj, "not_rooms", path),
		contains_url: bool(obj, "contains_url", path),
		lazy_load_members: bool(obj, "lazy_load_members", path),
		include_redundant_members: bool(obj, "include_redundant_members", path),
		unread_thread_notifications: bool(obj, "unread_thread_notifications", path),
	});
}

function sub<T>(obj: JsonObject, key: string, path: string, parse: (o: JsonObject, p: string) => T): T | undefined {
	const o = object(obj, key, path);
	return o === undefined ? undefined : parse(o, `${path}.${key}`);
}

/** Validates a filter definition; throws FilterError naming the first bad field. Unknown keys are ignored. */
export function parseFilter(json: JsonObject): Filter {
	const format = json.event_format;
	if (format !== undefined && format !== "client" && format !== "federation") {
		throw new FilterError("event_format must be 'client' or 'federation'");
	}
	const room = sub(json, "room", "filter", (o, p): RoomFilter =>
		defined({
			rooms: strings(o, "rooms", p),
			not_rooms: strings(o, "not_rooms", p),
			include_leave: bool(o, "include_leave", p),
			timeline: sub(o, "timeline", p, parseRoomEventFilter),
			state: sub(o, "state", p, parseRoomEventFilter),
			ephemeral: sub(o, "ephemeral", p, parseRoomEventFilter),
			account_data: sub(o, "account_data", p, parseRoomEventFilter),
		}),
	);
	return defined({
		event_fields: strings(json, "event_fields", "filter"),
		event_format: format,
		presence: sub(json, "presence", "filter", parseEventFilter),
		account_data: sub(json, "account_data", "filter", parseEventFilter),
		room,
	});
}

/** Spec: "A '*' can be used as a wildcard to match any sequence of characters." */
export function matchesPattern(pattern: string, value: string): boolean {
	if (!pattern.includes("*")) return pattern === value;
	const parts = pattern.split("*");
	const re = new RegExp(`^${parts.map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
	return re.test(value);
}

/** Whether an event passes a filter's types/senders lists ("not_" lists win over the others). */
export function eventMatches(filter: EventFilter | undefined, event: { type: string; sender?: string }): boolean {
	if (filter === undefined) return true;
	if (filter.not_types?.some((p) => matchesPattern(p, event.type))) return false;
	if (filter.types !== undefined && !filter.types.some((p) => matchesPattern(p, event.type))) return false;
	if (event.sender !== undefined) {
		if (filter.not_senders?.includes(event.sender)) return false;
		if (filter.senders !== undefined && !filter.senders.includes(event.sender)) return false;
	}
	return true;
}

/** Whether a room passes rooms/not_rooms. */
export function roomMatches(filter: { rooms?: string[]; not_rooms?: string[] } | undefined, roomId: string): boolean {
	if (filter === undefined) return true;
	if (filter.not_rooms?.includes(roomId)) return false;
	return filter.rooms === undefined || filter.rooms.includes(roomId);
}

/** The timeline limit a sync should ask rooms for. */
export function timelineLimit(filter: Filter): number {
	return Math.min(filter.room?.timeline?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
}
