// What one outbound transaction holds, how long to wait after a failure, and when to switch to catch-up.
// Pure: time and randomness come in as arguments. Spec: https://spec.matrix.org/latest/server-server-api/#transactions
// and https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid
// Models: Synapse per_destination_queue.py (catch-up), Dendrite federationapi/queue/destinationqueue.go.

/** "A transaction can contain at most 50 PDUs and 100 EDUs." */
export const MAX_PDUS_PER_TXN = 50;
export const MAX_EDUS_PER_TXN = 100;

/** First retry delay after a failed transaction; each further failure doubles it. */
export const BACKOFF_BASE_MS = 2_000;
/** The longest wait between attempts, so a returning server hears from us within the hour. */
export const BACKOFF_MAX_MS = 60 * 60_000;

/** More queued PDUs than this and the destination is sent only the newest PDU per room. */
export const CATCH_UP_QUEUE_BOUND = 1_000;
/** Down longer than this and the destination is sent only the newest PDU per room. */
export const CATCH_UP_OUTAGE_MS = 6 * 60 * 60_000;

/** One queued PDU as the builder needs it: its queue position, room and event ID. */
export interface QueuedPduRef {
	id: number;
	roomId: string;
	eventId: string;
}

/**
 * The delay before attempt `retryCount + 1`, with up to 20% jitter from `random` in [0, 1) so many
 * senders recovering from one outage do not retry in step.
 */
export function backoffDelayMs(retryCount: number, random: number): number {
	const exp = BACKOFF_BASE_MS * 2 ** Math.min(Math.max(retryCount - 1, 0), 30);
	const capped = Math.min(exp, BACKOFF_MAX_MS);
	return Math.round(capped * (1 + 0.2 * random));
}

/** Catch-up applies when the queue outgrew its bound or the destination has been down too long. */
export function shouldCatchUp(queuedPdus: number, downSinceTs: number | null, nowTs: number): boolean {
	if (queuedPdus > CATCH_UP_QUEUE_BOUND) return true;
	return downSinceTs !== null && nowTs - downSinceTs > CATCH_UP_OUTAGE_MS;
}

/**
 * Catch-up: for each room only the newest queued PDU is sent; the remote fetches the gap itself through
 * `get_missing_events` / `backfill`, which is cheaper than replaying an outage's worth of events
 * (Synapse "catch-up" mode). Returns the PDUs to keep (one per room, in queue order) and the rest to drop.
 */
export function selectCatchUp(pdus: readonly QueuedPduRef[]): { keep: QueuedPduRef[]; drop: QueuedPduRef[] } {
	const newest = new Map<string, QueuedPduRef>();
	for (const pdu of pdus) {
		const seen = newest.get(pdu.roomId);
		if (!seen || pdu.id > seen.id) newest.set(pdu.roomId, pdu);
	}
	const keepIds = new Set([...newest.values()].map((p) => p.id));
	return {
		keep: pdus.filter((p) => keepIds.has(p.id)).sort((a, b) => a.id - b.id),
		drop: pdus.filter((p) => !keepIds.has(p.id)),
	};
}

/**
 * The transaction body as JSON text. PDUs and EDUs are spliced in as the exact JSON we stored, never
 * re-serialised (a PDU's bytes are what its signatures cover; re-encoding could change them).
 */
export function buildTransactionBody(origin: string, originServerTs: number, pduJson: readonly string[], eduJson: readonly string[]): string {
	if (pduJson.length > MAX_PDUS_PER_TXN || eduJson.length > MAX_EDUS_PER_TXN) {
		throw new RangeError("a transaction holds at most 50 PDUs and 100 EDUs");
	}
	return `{"origin":${JSON.stringify(origin)},"origin_server_ts":${originServerTs},"pdus":[${pduJson.join(",")}],"edus":[${eduJson.join(",")}]}`;
}

/**
 * A transaction ID: unique per destination for our lifetime, and opaque to the receiver, which dedupes
 * `(origin, txnId)`. `nowTs` keeps IDs unique across a wiped queue; `seq` across one millisecond.
 */
export function makeTxnId(nowTs: number, seq: number): string {
	return `${nowTs.toString(36)}.${seq.toString(36)}`;
}
