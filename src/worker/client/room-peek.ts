// Room previews ("peeking"): GET /rooms/{roomId}/initialSync, a snapshot of a room's state and newest messages,
// and GET /events?room_id=, the room's new events from a token as a long-poll. Both serve anyone the room's
// history visibility lets read it (a member, a former member up to their departure, or anyone signed in for
// a world_readable room); the RoomDO's reads enforce that. Clients use them to show a world-readable room
// before joining it (matrix-js-sdk's peekInRoom).
// Spec: https://spec.matrix.org/latest/client-server-api/#room-previews,
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidinitialsync,
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3events

import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { parseRoomId } from "../../protocol/ids";
import { getVisibility } from "../d1/directory";
import type { Endpoint, RateLimit } from "../http/endpoint";
import type { ClientEvent } from "../room/api";
import type { MessagesResponse } from "../room/read-api";
import { MAX_PEEK_EVENTS, MAX_PEEK_TIMEOUT_MS } from "../room/read-peek";
import { intParam, jsonText, readerOf, roomIdParam, roomStub } from "./room-read-params";

/** Like the other room reads; a peeking client holds at most one /events request at a time. */
const PEEK_LIMIT: RateLimit = { perSecond: 20, burst: 100 };
/** Synapse's default for initialSync's `limit`; matrix-js-sdk asks for 20. */
const DEFAULT_MESSAGES = 10;
const MAX_MESSAGES = 100;

export const roomPeekEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/rooms/:roomId/initialSync",
		auth: "user",
		rateLimit: PEEK_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const limit = intParam(c, "limit", DEFAULT_MESSAGES, MAX_MESSAGES);
			const reader = readerOf(c);
			const room = roomStub(c, roomId);
			// State first: it refuses whoever may not read the room (403), before anything else is asked.
			const state = JSON.parse(unwrapRpc(await room.readStateJson(reader))) as ClientEvent[];
			const [page, membership, visibility, accountData] = await Promise.all([
				room.readMessagesJson({ ...reader, dir: "b", limit }),
				room.getMembership(reader.user_id),
				getVisibility(c.env.DB, roomId),
				c.env.USER.getByName(reader.user_id).getRoomAccountDataJson(roomId),
			]);
			const messages = JSON.parse(unwrapRpc(page)) as MessagesResponse;
			// A backward page from the live end: its chunk newest first, `start` the live end, `end` (absent at the room's start) older.
			const chunk = [...messages.chunk].reverse();
			return c.json({
				room_id: roomId,
				...(membership === null ? {} : { membership }),
				messages: { chunk, ...(messages.end === undefined ? {} : { start: messages.end }), end: messages.start },
				state,
				visibility,
				account_data: JSON.parse(accountData) as JsonObject[],
			});
		},
	},
	{
		method: "GET",
		path: "/_matrix/client/v3/events",
		auth: "user",
		rateLimit: PEEK_LIMIT,
		handler: async (c) => {
			const raw = c.req.query("room_id");
			// Without room_id this is the old global event stream, deprecated since r0: /sync replaced it.
			if (raw === undefined) throw new MatrixError("M_MISSING_PARAM", "room_id is required: the global event stream is not served, use /sync");
			const roomId = parseRoomId(raw);
			if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room_id");
			const from = c.req.query("from");
			const request = {
				...readerOf(c),
				...(from === undefined ? {} : { from }),
				timeout_ms: intParam(c, "timeout", 0, MAX_PEEK_TIMEOUT_MS),
				limit: MAX_PEEK_EVENTS,
			};
			return jsonText(await roomStub(c, roomId).peekEventsJson(request));
		},
	},
];
