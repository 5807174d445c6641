// The producer half of the room → destination hand-off. A PDU for a few remote servers goes straight into
// each server's DestinationDO (one RPC each, in parallel), so the send loop starts at once; a larger fan-out
// goes through FEDERATION_OUT, one message per (event, server), so the room's drain never waits on hundreds
// of calls. It needs only bindings and config, so both the RoomDO outbox drain (worker) and the bridge use it;
// the queue's consumer that feeds each DestinationDO lives in bridge/outbound/hand-off.ts.
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

/**
 * Up to this many remote servers, the room calls their DestinationDOs itself: the queue's hop (a batch
 * round through the consumer) was the largest single cost of delivery across servers. Beyond it, the
 * queue spreads the fan-out.
 */
export const DIRECT_MAX_DESTINATIONS = 16;

/** What the producer needs of the worker's env. */
export type HandOffEnv = Pick<Env, "FEDERATION_OUT" | "DESTINATION"> & ConfigSource;

/** The signature of the entry point, for callers that receive it by injection. */
export type HandOffToDestinations = (env: HandOffEnv, roomId: string, eventId: string, pduJson: string, servers: readonly string[]) => Promise<number>;

/**
 * Hands one PDU to every remote server in `servers` (ourselves and invalid names skipped, duplicates
 * collapsed). Resolves once every DestinationDO or the queue took it durably, so the caller may then delete
 * its outbox row; rejects otherwise (the caller retries the whole hand-off, which DestinationDOs dedupe by
 * event ID). Returns how many destinations it was handed to.
 */
export const handOffToDestinations: HandOffToDestinations = async (env, roomId, eventId, pduJson, servers) => {
	const ourServerName = getConfig(env).serverName;
	const destinations = [...new Set(servers)].filter((s) => s !== ourServerName && isValidServerName(s));
	const queued = destinations.length > DIRECT_MAX_DESTINATIONS ? destinations : await handOffDirectly(env, roomId, eventId, pduJson, destinations);
	await queueHandOff(env, roomId, eventId, pduJson, queued);
	return destinations.length;
};

/**
 * enqueuePdu on each destination's DestinationDO, which answers once the row is committed and starts
 * sending at once when idle. Returns the destinations that did not take it (the queue retries those).
 */
async function handOffDirectly(env: HandOffEnv, roomId: string, eventId: string, pduJson: string, destinations: readonly string[]): Promise<string[]> {
	const taken = await Promise.all(
		destinations.map((destination) =>
			env.DESTINATION.getByName(destination)
				.enqueuePdu(roomId, eventId, pduJson, true)
				.then(
					(result) => result.ok,
					() => false,
				),
		),
	);
	return destinations.filter((_, i) => !taken[i]);
}

/** One FEDERATION_OUT message per destination, in batches within Queues' limits. */
async function queueHandOff(env: HandOffEnv, roomId: string, eventId: string, pduJson: string, destinations: readonly string[]): Promise<void> {
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
}
