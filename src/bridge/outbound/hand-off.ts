// The room → destination hand-off: one FEDERATION_OUT message per (event, remote server), and the queue
// consumer that puts each into that server's DestinationDO. Delivery is at-least-once; enqueuePdu is
// idempotent by event ID, so a redelivered message is a no-op.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions; ARCHITECTURE.md "The path of an encrypted message", step 3.

import { getConfig } from "../../platform/config";
import { isValidServerName } from "../../protocol/federation/server-name";

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

/** The signature of the entry point, for callers that receive it by injection. */
export type HandOffToDestinations = (env: Env, roomId: string, eventId: string, pduJson: string, servers: readonly string[]) => Promise<number>;

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

function isFederationPduMessage(body: unknown): body is FederationPduMessage {
	if (typeof body !== "object" || body === null) return false;
	const m = body as Record<string, unknown>;
	return (
		m.kind === FEDERATION_PDU_KIND &&
		typeof m.destination === "string" &&
		typeof m.room_id === "string" &&
		typeof m.event_id === "string" &&
		typeof m.pdu === "string"
	);
}

/**
 * FEDERATION_OUT consumer for `federation.pdu`. Throws when the DestinationDO did not take the PDU, so the
 * queue retries; acknowledges a malformed message (retrying cannot fix it) after logging nothing of its body.
 */
export async function consumeFederationPdu(body: unknown, env: Pick<Env, "DESTINATION">): Promise<void> {
	if (!isFederationPduMessage(body) || !isValidServerName(body.destination)) return;
	const result = await env.DESTINATION.getByName(body.destination).enqueuePdu(body.room_id, body.event_id, body.pdu);
	if (!result.ok) throw new Error(`destination refused the hand-off: ${result.errcode}`);
}
