// Size limits on events.
// Spec: https://spec.matrix.org/latest/client-server-api/#size-limits

import { MatrixError } from "../errors";
import { canonicalJsonBytes } from "../json/canonical";
import type { EventJson } from "./pdu";

/** "The complete event MUST NOT be larger than 65536 bytes, when formatted with the federation event format, including any signatures, and encoded as Canonical JSON." */
export const MAX_PDU_BYTES = 65_536;

/** Each of these keys is limited to 255 bytes (UTF-8, not characters). */
export const MAX_KEY_BYTES = 255;
const LIMITED_KEYS = ["sender", "room_id", "state_key", "type", "event_id"] as const;

const encoder = new TextEncoder();

/**
 * Throws M_TOO_LARGE if the event or one of its limited keys is over the limit, and M_BAD_JSON if a
 * limited key is not a string or the event is not canonical JSON. Pass `eventId` for v3+ events, whose
 * ID is computed rather than carried.
 */
export function checkEventSize(event: EventJson, eventId?: string): void {
	const size = canonicalJsonBytes(event).length;
	if (size > MAX_PDU_BYTES) {
		throw new MatrixError("M_TOO_LARGE", `event is ${size} bytes, over the limit of ${MAX_PDU_BYTES}`);
	}
	for (const key of LIMITED_KEYS) {
		const value = key === "event_id" && eventId !== undefined ? eventId : event[key];
		if (value === undefined) continue;
		if (typeof value !== "string") throw new MatrixError("M_BAD_JSON", `${key} must be a string`);
		const bytes = encoder.encode(value).length;
		if (bytes > MAX_KEY_BYTES) {
			throw new MatrixError("M_TOO_LARGE", `${key} is ${bytes} bytes, over the limit of ${MAX_KEY_BYTES}`);
		}
	}
}
