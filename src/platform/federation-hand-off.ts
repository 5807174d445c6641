// The producer half of the room → destination hand-off: one FEDERATION_OUT message per (event, remote
// server). It needs only the queue binding and config, so both the RoomDO outbox drain (worker) and the
// bridge use it; the consumer that feeds each DestinationDO lives in bridge/outbound/hand-off.ts.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions; ARCHITECTURE.md "The path of an encrypted message", step 3.

import { isValidServerName } from "../protocol/federation/server-name";
import { type ConfigSource, getConfig } from "./config";

export const FEDERATION_PDU_KIND = "federation.pdu";

/** One queued hand-off. `pdu` is the exact JSON text the room stored, never re-serialised. */
export interface FederationPduMessage {
	kind: typeof FEDERATION_PDU_KIND;
	destination: string;
	room_id: string;
	event_id: string;
	pdu: string;
}

/** Cloudflare Queues: at most 100 messages and 256 KB per sendBatch; stay under both with room to spare. */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 200 * 1024;

/** What the producer needs of the worker's env. */
export type HandOffEnv = Pick<Env, "FEDERATION_OUT"> & ConfigSource;

/** The signature of the entry point, for callers that receive it by injection. */
export type HandOffToDestinations = (env: HandOffEnv, roomId: string, eventId: string, pduJson: string, servers: readonly string[]) => Promise<number>;

/**
 * Queues one PDU for every remote server in `servers` (ourselves and invalid names skipped, duplicates
 * collapsed). Resolves once the queue accepted every message, so the caller may then delete its outbox
 * row; rejects otherwise (the caller retries the whole hand-off, which the consumer dedupes).
 * Returns how many destinations were queued.
 */
export const handOffToDestinations: HandOffToDestinations = async (env, roomId, eventId, pduJson, servers) => {
	const ourServerName = getConfig(env).serverName;
	const destinations = [...new Set(servers)].filter((s) => s !== ourServerName && isValidServerName(s));
	let batch: MessageSendRequest<FederationPduMessage>[] = [];
	let bytes = 0;
	for (const destination of destinations) {
		const body: FederationPduMessage = { kind: FEDERATION_PDU_KIND, destination, room_id: roomId, event_id: eventId, pdu: pduJson };
		const size = pduJson.length + destination.length + roomId.length + eventId.length + 100;
		if (batch.length > 0 && (batch.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
			await env.FEDERATION_OUT.sendBatch(batch);
			batch = [];
			bytes = 0;
		}
		batch.push({ body, contentType: "json" });
		bytes += size;
	}
	if (batch.length > 0) await env.FEDERATION_OUT.sendBatch(batch);
	return destinations.length;
};
