// GET /_matrix/federation/v1/timestamp_to_event/{roomId}?ts=&dir=: the event closest to a timestamp.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1timestamp_to_eventroomid

import { MatrixError } from "../../protocol/errors";
import type { Endpoint } from "../../worker/http/endpoint";
import { readRoom, roomParam } from "./room-read";

export const timestampToEventEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/timestamp_to_event/:roomId",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: (c) => {
			const ts = c.req.query("ts");
			const dir = c.req.query("dir");
			if (ts === undefined || !/^\d{1,16}$/.test(ts)) throw new MatrixError("M_INVALID_PARAM", "ts must be a timestamp");
			if (dir !== "f" && dir !== "b") throw new MatrixError("M_INVALID_PARAM", "dir must be f or b");
			return readRoom(c, roomParam(c), { kind: "timestamp", ts: Number(ts), dir });
		},
	},
];
