// What Client-Server routes use to write to a room: path parameter checks and the RoomDO call, with the
// errcode each endpoint gives for a room this server does not hold.
// Spec: https://spec.matrix.org/latest/client-server-api/#sending-events-to-a-room

import { stubByName } from "../../platform/durable-object-ids";
import { type Errcode, MatrixError, unwrapRpc } from "../../protocol/errors";
import { utf8Length } from "../../protocol/ids/common";
import { parseRoomId, type RoomId } from "../../protocol/ids/room-id";
import type { LocalEventInput, SentEvent } from "./api";

/** A room ID from the path, or M_INVALID_PARAM. */
export function roomIdParam(value: string | undefined): RoomId {
	const roomId = parseRoomId(value);
	if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
	return roomId;
}

/** Event types are non-empty and at most 255 bytes (spec "Size limits"). */
export function eventTypeParam(value: string | undefined): string {
	if (value === undefined || value === "") throw new MatrixError("M_INVALID_PARAM", "Missing event type");
	if (utf8Length(value) > 255) throw new MatrixError("M_TOO_LARGE", "Event type is over 255 bytes");
	return value;
}

export function txnIdParam(value: string | undefined): string {
	if (value === undefined || value === "") throw new MatrixError("M_INVALID_PARAM", "Missing transaction ID");
	if (utf8Length(value) > 255) throw new MatrixError("M_INVALID_PARAM", "Transaction ID is over 255 bytes");
	return value;
}

/**
 * Sends a local event through the room's RoomDO. A room we do not hold answers `unknownRoom`:
 * M_FORBIDDEN where the spec treats it as "not in the room", M_NOT_FOUND for joins and knocks.
 */
export async function sendToRoom(env: Env, roomId: RoomId, input: LocalEventInput, unknownRoom: Errcode): Promise<SentEvent> {
	const result = await stubByName(env.ROOM, roomId).sendLocalEvent(input);
	if (!result.ok && result.errcode === "M_NOT_FOUND" && result.error === "Unknown room") {
		throw new MatrixError(unknownRoom, unknownRoom === "M_FORBIDDEN" ? "You are not in this room" : "Unknown room");
	}
	return unwrapRpc(result);
}
