// Receipts and read markers: POST /rooms/{roomId}/receipt/{receiptType}/{eventId} (m.read,
// m.read.private, m.fully_read; threaded) and POST /rooms/{roomId}/read_markers.
// Receipts live in the RoomDO; m.fully_read is the user's per-room account data in the UserDO.
// Spec: https://spec.matrix.org/latest/client-server-api/#receipts and
// https://spec.matrix.org/latest/client-server-api/#fully-read-markers

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { parseEventId } from "../../protocol/ids/event-id";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { roomIdParam } from "../room/client-send";
import type { ReceiptType } from "../room/receipts";

const ROOM = "/_matrix/client/v3/rooms/:roomId";
const LIMIT: RateLimit = { perSecond: 5, burst: 50 };

function eventIdOf(value: unknown, what: string): string {
	const eventId = parseEventId(value);
	if (eventId === undefined) throw new MatrixError("M_INVALID_PARAM", `Invalid ${what}`);
	return eventId;
}

/** Spec: thread_id is "main" or the ID of a thread root event. */
function threadIdOf(body: JsonObject): string | null {
	const threadId = body.thread_id;
	if (threadId === undefined) return null;
	if (threadId === "main") return threadId;
	if (typeof threadId !== "string" || parseEventId(threadId) === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid thread_id");
	return threadId;
}

async function setFullyRead(c: Context<AppEnv>, roomId: string, eventId: string): Promise<void> {
	const userId = c.get("user");
	if ((await c.env.ROOM.getByName(roomId).getMembership(userId)) !== "join") {
		throw new MatrixError("M_FORBIDDEN", "You are not joined to this room");
	}
	unwrapRpc(await c.env.USER.getByName(userId).putAccountDataJson(roomId, "m.fully_read", JSON.stringify({ event_id: eventId }), true));
}

async function setReceipt(c: Context<AppEnv>, roomId: string, type: ReceiptType, eventId: string, threadId: string | null): Promise<void> {
	unwrapRpc(await c.env.ROOM.getByName(roomId).setReceipt(c.get("user"), type, eventId, threadId, Date.now()));
}

export const receiptEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: `${ROOM}/receipt/:receiptType/:eventId`,
		auth: "user",
		rateLimit: LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c.req.param("roomId"));
			const receiptType = c.req.param("receiptType");
			const eventId = eventIdOf(c.req.param("eventId"), "event ID");
			// The body is optional for receipts; an absent one means no thread.
			const body = (c.req.header("content-length") ?? "0") === "0" ? {} : await readJsonBody(c);
			const threadId = threadIdOf(body);
			if (receiptType === "m.fully_read") {
				// Spec: thread_id "cannot be used with" m.fully_read (400 M_INVALID_PARAM).
				if (threadId !== null) throw new MatrixError("M_INVALID_PARAM", "m.fully_read cannot be threaded");
				await setFullyRead(c, roomId, eventId);
			} else if (receiptType === "m.read" || receiptType === "m.read.private") {
				await setReceipt(c, roomId, receiptType, eventId, threadId);
			} else {
				throw new MatrixError("M_INVALID_PARAM", "Unsupported receipt type");
			}
			return c.json({});
		},
	},
	{
		method: "POST",
		path: `${ROOM}/read_markers`,
		auth: "user",
		rateLimit: LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c.req.param("roomId"));
			const body = await readJsonBody(c);
			const fullyRead = body["m.fully_read"] === undefined ? null : eventIdOf(body["m.fully_read"], "m.fully_read");
			const read = body["m.read"] === undefined ? null : eventIdOf(body["m.read"], "m.read");
			const readPrivate = body["m.read.private"] === undefined ? null : eventIdOf(body["m.read.private"], "m.read.private");
			if (fullyRead !== null) await setFullyRead(c, roomId, fullyRead);
			if (read !== null) await setReceipt(c, roomId, "m.read", read, null);
			if (readPrivate !== null) await setReceipt(c, roomId, "m.read.private", readPrivate, null);
			return c.json({});
		},
	},
];
