// GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}: the full auth chain of an event.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1event_authroomideventid

import type { Endpoint } from "../../worker/http/endpoint";
import { eventIdOf, readRoom, roomParam } from "./room-read";

export const eventAuthEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/event_auth/:roomId/:eventId",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: (c) => readRoom(c, roomParam(c), { kind: "event_auth", event_id: eventIdOf(c.req.param("eventId"), "event ID") }),
	},
];
