// POST /_matrix/federation/v1/get_missing_events/{roomId}: prev events between the sender's latest and earliest.
// Spec: https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1get_missing_eventsroomid

import { MatrixError } from "../../protocol/errors";
import type { Endpoint } from "../../worker/http/endpoint";
import { readRequestJson } from "../auth/request-body";
import { eventIdOf, readRoom, roomParam } from "./room-read";

function idList(value: unknown, name: string): string[] {
	if (!Array.isArray(value) || value.length > 100) throw new MatrixError("M_BAD_JSON", `${name} must be a list of at most 100 event IDs`);
	return value.map((v) => eventIdOf(typeof v === "string" ? v : undefined, name));
}

function optionalInt(value: unknown, name: string, fallback: number): number {
	if (value === undefined) return fallback;
	if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new MatrixError("M_BAD_JSON", `${name} must be a non-negative integer`);
	return value;
}

export const getMissingEventsEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/federation/v1/get_missing_events/:roomId",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const body = await readRequestJson(c);
			if (typeof body !== "object" || body === null || Array.isArray(body)) throw new MatrixError("M_BAD_JSON", "Body must be an object");
			const earliest = idList(Reflect.get(body, "earliest_events"), "earliest_events");
			const latest = idList(Reflect.get(body, "latest_events"), "latest_events");
			// "limit: The maximum number of events to retrieve. Defaults to 10." "min_depth ... Defaults to 0."
			const limit = optionalInt(Reflect.get(body, "limit"), "limit", 10);
			const minDepth = optionalInt(Reflect.get(body, "min_depth"), "min_depth", 0);
			return readRoom(c, roomParam(c), { kind: "missing", earliest, latest, limit, min_depth: minDepth });
		},
	},
];
