// Draining the federation rows of the RoomDO outbox: each local event's exact stored PDU goes to the
// FEDERATION_OUT queue for the remote servers recorded at commit. A row goes only after every destination
// (or the queue) took the PDU durably, and like a poke row without a commit of its own: marked delivered
// here, deleted by the room's next commit or its alarm (outbox-store.ts). Handed off again after the object
// was lost first, it is a no-op: DestinationDO.enqueuePdu and the queue consumer dedupe by event ID.
// Failures back off like pokes.
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions; ARCHITECTURE.md "The path of an encrypted message" step 3.

import { log } from "../../platform/log";
import { backoffMs } from "./outbox-drain";
import type { OutboxStore } from "./outbox-store";

/** Queues one PDU for remote servers (platform/federation-hand-off.ts, bound to the env). Throws on failure. */
export type FederationDelivery = (eventId: string, pduJson: string, servers: readonly string[]) => Promise<unknown>;

/** How many events one drain hands off before yielding to the next round. */
const EVENTS_PER_DRAIN = 100;

/** Hands off due federation rows in commit order; `getPdu` reads the stored text (null: nothing to send). */
export async function drainFederation(outbox: OutboxStore, getPdu: (eventId: string) => string | null, deliver: FederationDelivery, now: () => number): Promise<void> {
	for (const row of outbox.dueFederation(now(), EVENTS_PER_DRAIN)) {
		const pdu = getPdu(row.event_id);
		try {
			if (pdu !== null && row.servers.length > 0) await deliver(row.event_id, pdu, row.servers);
			// No write of its own: a commit after this await would cost the room one more per send.
			outbox.markDelivered([row.id]);
		} catch (err) {
			outbox.deferRows([row.id], now() + backoffMs(row.attempts));
			log.warn("room_outbox_federation_failed", { attempts: row.attempts + 1, error: err });
		}
	}
}
