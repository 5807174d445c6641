// GET /_matrix/federation/v1/event/{eventId}: one event, as a transaction holding that single PDU. The path
// names no room, so the D1 event → room index (room/event-index.ts fills it) says which RoomDO to ask; the
// room applies its server ACL, "the origin is in the room" and history visibility at the event.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1eventeventid

import { MatrixError } from "../../protocol/errors";
import type { Endpoint } from "../../worker/http/endpoint";
import { eventIdOf, readRoom } from "./room-read";

export const eventEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/event/:eventId",
		auth: "server",
		rateLimit: { perSecond: 20, burst: 100 },
		handler: async (c) => {
			const eventId = eventIdOf(c.req.param("eventId"));
			const row = await c.env.DB.prepare("SELECT room_id FROM event_rooms WHERE event_id = ?1").bind(eventId).first<{ room_id: string }>();
			if (row === null) throw new MatrixError("M_NOT_FOUND", "Unknown event");
			return readRoom(c, row.room_id, { kind: "event", event_id: eventId });
		},
	},
];
