// Where the bridge fetches what a received PDU is missing: the origin server, through signed outbound
// requests. One small interface, so the fetching logic is tested against a remote-server double.
// Spec: https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1get_missing_eventsroomid,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1event_authroomideventid

import type { FederationPort } from "../client/federation-port";

export interface RemoteSource {
	/** `POST /get_missing_events/{roomId}`: the `events` array, unchecked. */
	getMissingEvents(roomId: string, body: { earliest_events: string[]; latest_events: string[]; limit: number; min_depth: number }): Promise<unknown[]>;
	/** `GET /event_auth/{roomId}/{eventId}`: the `auth_chain` array, unchecked. */
	eventAuth(roomId: string, eventId: string): Promise<unknown[]>;
}

/** Each fetch is bounded in time; the caller bounds how many it makes. */
const FETCH_TIMEOUT_MS = 10_000;

/** A JSON array field of an untrusted answer, or an empty array. */
export function arrayField(body: unknown, field: string): unknown[] {
	if (typeof body !== "object" || body === null || Array.isArray(body)) return [];
	const value: unknown = Reflect.get(body, field);
	return Array.isArray(value) ? value : [];
}

/** The origin as a RemoteSource, through the signed federation client. */
export function remoteSourceFor(port: FederationPort, origin: string): RemoteSource {
	const options = { timeoutMs: FETCH_TIMEOUT_MS, maxResponseBytes: 4 * 1024 * 1024 };
	return {
		async getMissingEvents(roomId, body) {
			const res = await port.request(origin, "POST", `/_matrix/federation/v1/get_missing_events/${encodeURIComponent(roomId)}`, body, options);
			return res.ok ? arrayField(res.body, "events") : [];
		},
		async eventAuth(roomId, eventId) {
			const path = `/_matrix/federation/v1/event_auth/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`;
			const res = await port.request(origin, "GET", path, undefined, options);
			return res.ok ? arrayField(res.body, "auth_chain") : [];
		},
	};
}
