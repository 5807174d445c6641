// GET /_matrix/federation/v1/backfill/{roomId}?v=&limit=: events before (and including) the given ones.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1backfillroomid

import { MatrixError } from "../../protocol/errors";
import type { Endpoint } from "../../worker/http/endpoint";
import { eventIdOf, intQuery, readRoom, roomParam } from "./room-read";

export const backfillEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/backfill/:roomId",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: (c) => {
			// "v: The event IDs to backfill from" (repeated query parameter); "limit" is required.
			const from = (c.req.queries("v") ?? []).map((v) => eventIdOf(v, "v"));
			if (from.length === 0) throw new MatrixError("M_INVALID_PARAM", "v is required");
			if (c.req.query("limit") === undefined) throw new MatrixError("M_INVALID_PARAM", "limit is required");
			return readRoom(c, roomParam(c), { kind: "backfill", from: from.slice(0, 20), limit: intQuery(c, "limit", 10) });
		},
	},
];
