// Reporting content: POST /rooms/{roomId}/report/{eventId} and POST /rooms/{roomId}/report. Reports go to
// D1 (d1/reports.ts) for the server's administrators; only IDs, reason and score are kept.
// Spec: https://spec.matrix.org/latest/client-server-api/#reporting-content

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { insertReport } from "../d1/reports";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { eventIdParam, readerOf, roomIdParam, roomStub } from "./room-read-params";

/** Reports are rare; a tight limit keeps one account from flooding the administrators. */
const REPORT_LIMIT: RateLimit = { perSecond: 0.2, burst: 10 };
const MAX_REASON = 1000;

function reportBody(body: JsonObject): { reason: string | null; score: number | null } | undefined {
	const { reason, score } = body;
	if (reason !== undefined && typeof reason !== "string") return undefined;
	// Spec: score runs from -100 (most offensive) to 0 (inoffensive).
	if (score !== undefined && (typeof score !== "number" || !Number.isInteger(score) || score < -100 || score > 0)) return undefined;
	return { reason: reason === undefined ? null : reason.slice(0, MAX_REASON), score: score ?? null };
}

async function report(c: Context<AppEnv>, eventId: string | null) {
	const roomId = roomIdParam(c);
	const body = await readJsonBody(c, reportBody);
	const room = roomStub(c, roomId);
	// Spec: 404 when the event does not exist or the reporter cannot see it (never saying which); a room
	// report needs only a room we know.
	const found = eventId === null ? (await room.getRoomInfo()) !== null : (await room.readEventJson(readerOf(c), eventId)).ok;
	if (!found) throw new MatrixError("M_NOT_FOUND", eventId === null ? "Room not found" : "Event not found");
	await insertReport(c.env.DB, { reporter: c.get("user"), room_id: roomId, event_id: eventId, ...body, created_ts: Date.now() });
	return c.json({});
}

export const roomReportEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/rooms/:roomId/report/:eventId",
		auth: "user",
		rateLimit: REPORT_LIMIT,
		handler: (c) => report(c, eventIdParam(c)),
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/rooms/:roomId/report",
		auth: "user",
		rateLimit: REPORT_LIMIT,
		handler: (c) => report(c, null),
	},
];
