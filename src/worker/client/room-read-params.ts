// Path and query parameters shared by the room read routes, each checked to the spec's errcodes.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidmessages (query params)

import type { Context } from "hono";
import { MatrixError, type RpcResult, unwrapRpc } from "../../protocol/errors";
import type { JsonValue } from "../../protocol/events/pdu";
import { parseEventId, parseRoomId } from "../../protocol/ids";
import type { AppEnv } from "../http/context";
import type { Reader, RoomEventFilterSpec } from "../room/read-api";

export function roomIdParam(c: Context<AppEnv>): string {
	const roomId = parseRoomId(c.req.param("roomId"));
	if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
	return roomId;
}

export function eventIdParam(c: Context<AppEnv>): string {
	const eventId = parseEventId(c.req.param("eventId"));
	if (eventId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid event ID");
	return eventId;
}

export function readerOf(c: Context<AppEnv>): Reader {
	return { user_id: c.get("user"), device_id: c.get("device") };
}

/** A room read's JSON text as the response body, optionally wrapped (e.g. `{"chunk": ...}`); errors throw. */
export function jsonText(result: RpcResult<string>, wrap: (json: string) => string = (json) => json): Response {
	return new Response(wrap(unwrapRpc(result)), { headers: { "content-type": "application/json" } });
}

export function roomStub(c: Context<AppEnv>, roomId: string) {
	return c.env.ROOM.getByName(roomId);
}

/** A non-negative integer query parameter, capped at `max` (the spec lets servers cap limits). */
export function intParam(c: Context<AppEnv>, name: string, fallback: number, max: number): number {
	const raw = c.req.query(name);
	if (raw === undefined) return fallback;
	if (!/^\d{1,15}$/.test(raw)) throw new MatrixError("M_INVALID_PARAM", `${name} must be a non-negative integer`);
	return Math.min(Number(raw), max);
}

/** `dir` as /messages and /relations take it; `required` makes a missing one M_MISSING_PARAM. */
export function dirParam(c: Context<AppEnv>, fallback?: "b" | "f"): "b" | "f" {
	const raw = c.req.query("dir");
	if (raw === undefined) {
		if (fallback === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing dir parameter");
		return fallback;
	}
	if (raw !== "b" && raw !== "f") throw new MatrixError("M_INVALID_PARAM", "dir must be 'b' or 'f'");
	return raw;
}

const isStrings = (v: JsonValue | undefined): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** The `filter` query parameter: a JSON RoomEventFilter. Spec: #filtering */
export function roomEventFilterParam(c: Context<AppEnv>): { filter?: RoomEventFilterSpec; limit?: number } {
	const raw = c.req.query("filter");
	if (raw === undefined || raw === "") return {};
	let parsed: JsonValue;
	try {
		parsed = JSON.parse(raw) as JsonValue;
	} catch {
		throw new MatrixError("M_INVALID_PARAM", "filter is not valid JSON");
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new MatrixError("M_INVALID_PARAM", "filter must be an object");
	const filter: RoomEventFilterSpec = {};
	for (const key of ["types", "not_types", "senders", "not_senders"] as const) {
		const v = parsed[key];
		if (v === undefined) continue;
		if (!isStrings(v)) throw new MatrixError("M_INVALID_PARAM", `filter.${key} must be an array of strings`);
		filter[key] = v;
	}
	for (const key of ["contains_url", "lazy_load_members"] as const) {
		const v = parsed[key];
		if (v === undefined) continue;
		if (typeof v !== "boolean") throw new MatrixError("M_INVALID_PARAM", `filter.${key} must be a boolean`);
		filter[key] = v;
	}
	const limit = parsed.limit;
	if (limit !== undefined && (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1)) {
		throw new MatrixError("M_INVALID_PARAM", "filter.limit must be an integer greater than 0");
	}
	return limit === undefined ? { filter } : { filter, limit };
}
