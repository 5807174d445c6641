// GET /_matrix/federation/v1/state_ids/{roomId}?event_id=: the room state at an event and its auth chain, as IDs.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1state_idsroomid

import type { Endpoint } from "../../worker/http/endpoint";
import { eventIdOf, readRoom, roomParam } from "./room-read";

export const stateIdsEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/state_ids/:roomId",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: (c) => readRoom(c, roomParam(c), { kind: "state_ids", event_id: eventIdOf(c.req.query("event_id")) }),
	},
];
