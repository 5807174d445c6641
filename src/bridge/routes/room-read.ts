// Shared by the serving endpoints: path parameters checked, the question put to the room, its JSON answer
// passed through. The room applies ACLs, "origin in the room" and history visibility.
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-events

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseEventId } from "../../protocol/ids/event-id";
import { parseRoomId } from "../../protocol/ids/room-id";
import type { AppEnv } from "../../worker/http/context";
import type { FederationReadRequest } from "../../worker/room/federation-room";

export function roomParam(c: Context<AppEnv>): string {
	const roomId = c.req.param("roomId");
	if (parseRoomId(roomId) === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
	return roomId!;
}

export function eventIdOf(value: string | undefined, name = "event_id"): string {
	if (parseEventId(value) === undefined) throw new MatrixError("M_INVALID_PARAM", `Invalid ${name}`);
	return value!;
}

/** A non-negative integer query parameter, or `fallback` when absent. */
export function intQuery(c: Context<AppEnv>, name: string, fallback: number): number {
	const text = c.req.query(name);
	if (text === undefined) return fallback;
	if (!/^\d{1,15}$/.test(text)) throw new MatrixError("M_INVALID_PARAM", `${name} must be a non-negative integer`);
	return Number(text);
}

export async function readRoom(c: Context<AppEnv>, roomId: string, request: FederationReadRequest): Promise<Response> {
	const text = unwrapRpc(await c.env.ROOM.getByName(roomId).federationReadJson(c.get("origin"), request));
	return c.body(text, 200, { "content-type": "application/json" });
}
