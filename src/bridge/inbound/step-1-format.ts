// Receipt check 1: "Is a valid event, otherwise it is dropped. For an event to be valid, it must contain a
// room_id, and it must comply with the event format of that room version."
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu,
// https://spec.matrix.org/latest/client-server-api/#size-limits

import { MatrixError } from "../../protocol/errors";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import { checkEventSize } from "../../protocol/events/size-limits";
import { checkCanonicalJsonValues } from "../../protocol/events/strict-canonical-json";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";

export type FormatResult = { ok: true; pdu: Pdu; event: RoomEvent } | { ok: false; error: string };

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The room a PDU names, read before its room version (and so its format) is known. */
export function roomIdOfPdu(raw: unknown): string | undefined {
	return isObject(raw) && typeof raw.room_id === "string" ? raw.room_id : undefined;
}

/**
 * Checks the event format of the room version: the fields and reference shapes toRoomEvent reads, the size
 * limits ("The complete event MUST NOT be larger than 65536 bytes"), canonical JSON values where the room
 * version requires them, and that the event is in `roomId`.
 */
export async function checkFormat(raw: unknown, rules: RoomVersionRules, roomId: string): Promise<FormatResult> {
	if (!isObject(raw)) return { ok: false, error: "PDU is not an object" };
	const pdu = raw as Pdu;
	try {
		checkCanonicalJsonValues(pdu, rules);
		const event = await toRoomEvent(pdu, rules);
		checkEventSize(pdu, event.event_id);
		if (event.room_id !== roomId) return { ok: false, error: "PDU is for another room" };
		if (!isObject(raw.hashes) || !isObject(raw.signatures)) return { ok: false, error: "PDU lacks hashes or signatures" };
		return { ok: true, pdu, event };
	} catch (err) {
		if (err instanceof MatrixError) return { ok: false, error: `Invalid PDU: ${err.message}` };
		throw err;
	}
}
