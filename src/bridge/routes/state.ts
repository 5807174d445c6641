// GET /_matrix/federation/v1/state/{roomId}?event_id=: the room state at an event, and its auth chain, as PDUs.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1stateroomid

import type { Endpoint } from "../../worker/http/endpoint";
import { eventIdOf, readRoom, roomParam } from "./room-read";

export const stateEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/state/:roomId",
		auth: "server",
		rateLimit: { perSecond: 2, burst: 10 },
		handler: (c) => readRoom(c, roomParam(c), { kind: "state", event_id: eventIdOf(c.req.query("event_id")) }),
	},
];
