// Sending events: PUT send/{eventType}/{txnId}, PUT state/{eventType}/{stateKey} (the empty state key
// with and without a trailing slash) and PUT redact/{eventId}/{txnId}. Content is opaque JSON here.
// Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid,
// https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidstateeventtypestatekey,
// https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidredacteventidtxnid

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import { utf8Length } from "../../protocol/ids/common";
import { parseEventId } from "../../protocol/ids/event-id";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { eventTypeParam, roomIdParam, sendToRoom, txnIdParam } from "../room/client-send";

const ROOM = "/_matrix/client/v3/rooms/:roomId";
/** Chat is bursty; the bench sends hundreds a second from one user, so this only stops floods. */
const SEND_LIMIT: RateLimit = { perSecond: 200, burst: 1000 };

async function sendMessage(c: Context<AppEnv>): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	const type = eventTypeParam(c.req.param("eventType"));
	const txnId = txnIdParam(c.req.param("txnId"));
	const content = await readJsonBody(c);
	const sent = await sendToRoom(
		c.env,
		roomId,
		{ sender: c.get("user"), type, content, txn: { device_id: c.get("device"), txn_id: txnId }, origin_server_ts: Date.now() },
		"M_FORBIDDEN",
	);
	return c.json({ event_id: sent.event_id });
}

async function putState(c: Context<AppEnv>, stateKey: string): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	const type = eventTypeParam(c.req.param("eventType"));
	if (utf8Length(stateKey) > 255) throw new MatrixError("M_TOO_LARGE", "State key is over 255 bytes");
	const content = await readJsonBody(c);
	const sent = await sendToRoom(
		c.env,
		roomId,
		{ sender: c.get("user"), type, state_key: stateKey, content, origin_server_ts: Date.now() },
		"M_FORBIDDEN",
	);
	return c.json({ event_id: sent.event_id });
}

/** The redaction's content: an optional string `reason` (v11+ also carry `redacts`, which the room adds). */
function redactionBody(body: JsonObject): JsonObject | undefined {
	if (body.reason !== undefined && typeof body.reason !== "string") return undefined;
	return body.reason === undefined ? {} : { reason: body.reason };
}

async function redact(c: Context<AppEnv>): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	const eventId = parseEventId(c.req.param("eventId"));
	if (eventId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid event ID");
	const txnId = txnIdParam(c.req.param("txnId"));
	const content = await readJsonBody(c, redactionBody);
	const sent = await sendToRoom(
		c.env,
		roomId,
		{
			sender: c.get("user"),
			type: "m.room.redaction",
			content,
			redacts: eventId,
			txn: { device_id: c.get("device"), txn_id: txnId },
			origin_server_ts: Date.now(),
		},
		"M_FORBIDDEN",
	);
	return c.json({ event_id: sent.event_id });
}

export const sendEndpoints: Endpoint[] = [
	{ method: "PUT", path: `${ROOM}/send/:eventType/:txnId`, auth: "user", rateLimit: SEND_LIMIT, handler: sendMessage },
	{ method: "PUT", path: `${ROOM}/state/:eventType/:stateKey`, auth: "user", rateLimit: SEND_LIMIT, handler: (c) => putState(c, c.req.param("stateKey") ?? "") },
	// "/state/m.room.name/" and "/state/m.room.name" both mean the empty state key.
	{ method: "PUT", path: `${ROOM}/state/:eventType/`, auth: "user", rateLimit: SEND_LIMIT, handler: (c) => putState(c, "") },
	{ method: "PUT", path: `${ROOM}/state/:eventType`, auth: "user", rateLimit: SEND_LIMIT, handler: (c) => putState(c, "") },
	{ method: "PUT", path: `${ROOM}/redact/:eventId/:txnId`, auth: "user", rateLimit: SEND_LIMIT, handler: redact },
];
