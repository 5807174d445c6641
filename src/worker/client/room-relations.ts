// Relations, threads and time lookups: GET /v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]],
// /v1/rooms/{roomId}/threads and /v1/rooms/{roomId}/timestamp_to_event. The RoomDO applies history visibility.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1roomsroomidrelationseventid

import type { Handler } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { dirParam, eventIdParam, intParam, jsonText, readerOf, roomIdParam, roomStub } from "./room-read-params";

const ROOM = "/_matrix/client/v1/rooms/:roomId";
const READ_LIMIT: RateLimit = { perSecond: 20, burst: 100 };
/** Spec leaves the default to the server; Synapse uses 5 for relations and threads. */
const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 100;

const relations: Handler<AppEnv> = async (c) => {
	const roomId = roomIdParam(c);
	const eventId = eventIdParam(c);
	const relType = c.req.param("relType");
	const eventType = c.req.param("eventType");
	const from = c.req.query("from");
	const to = c.req.query("to");
	const request = {
		...readerOf(c),
		event_id: eventId,
		dir: dirParam(c, "b"),
		limit: intParam(c, "limit", DEFAULT_LIMIT, MAX_LIMIT),
		...(relType === undefined ? {} : { rel_type: relType }),
		...(eventType === undefined ? {} : { event_type: eventType }),
		...(from === undefined ? {} : { from }),
		...(to === undefined ? {} : { to }),
	};
	return jsonText(await roomStub(c, roomId).readRelationsJson(request));
};

export const roomRelationsEndpoints: Endpoint[] = [
	...[`${ROOM}/relations/:eventId`, `${ROOM}/relations/:eventId/:relType`, `${ROOM}/relations/:eventId/:relType/:eventType`].map(
		(path): Endpoint => ({ method: "GET", path, auth: "user", rateLimit: READ_LIMIT, handler: relations }),
	),
	{
		method: "GET",
		path: `${ROOM}/threads`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const include = c.req.query("include") ?? "all";
			if (include !== "all" && include !== "participated") throw new MatrixError("M_INVALID_PARAM", "include must be 'all' or 'participated'");
			const from = c.req.query("from");
			const request = { ...readerOf(c), include, limit: intParam(c, "limit", DEFAULT_LIMIT, MAX_LIMIT), ...(from === undefined ? {} : { from }) } as const;
			return jsonText(await roomStub(c, roomId).readThreadsJson(request));
		},
	},
	{
		method: "GET",
		path: `${ROOM}/timestamp_to_event`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const raw = c.req.query("ts");
			if (raw === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing ts parameter");
			if (!/^\d{1,15}$/.test(raw)) throw new MatrixError("M_INVALID_PARAM", "ts must be a timestamp in milliseconds");
			const dir = dirParam(c);
			return jsonText(await roomStub(c, roomId).readTimestampToEventJson(readerOf(c), Number(raw), dir));
		},
	},
];
