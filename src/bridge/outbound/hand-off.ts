// The consumer half of the room → destination hand-off: each FEDERATION_OUT message goes into its
// server's DestinationDO. Delivery is at-least-once; enqueuePdu is idempotent by event ID, so a
// redelivered message is a no-op. The producer lives in platform/federation-hand-off.ts, shared with
// the RoomDO outbox drain (worker code may not import the bridge's values).
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions; ARCHITECTURE.md "The path of an encrypted message", step 3.

import { FEDERATION_PDU_KIND, type FederationPduMessage } from "../../platform/federation-hand-off";
import { isValidServerName } from "../../protocol/federation/server-name";

export { FEDERATION_PDU_KIND, type FederationPduMessage, handOffToDestinations, type HandOffToDestinations } from "../../platform/federation-hand-off";

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
	// The room already waited for the queue: the event goes out now, not on the destination's next alarm.
	const result = await env.DESTINATION.getByName(body.destination).enqueuePdu(body.room_id, body.event_id, body.pdu, true);
	if (!result.ok) throw new Error(`destination refused the hand-off: ${result.errcode}`);
}
