// A PDU for a room we do not hold that ends a local user's remote invite or knock: the inviting server
// withdrew the invite, or the resident turned down the knock (a leave or ban of our user, sent to us as
// the target's server). The user's /sync then shows the room in `leave`. Only the server we hold the
// invite (or knock) from may end it, and the event must pass format and signature checks for the room
// version its stripped create event names.
// Spec: https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites,
// https://spec.matrix.org/latest/client-server-api/#knocking-on-rooms

import { serverNameOf } from "../../protocol/ids/server-name-of";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import type { RoomDO } from "../../worker/room/room-do";
import { checkFormat } from "./step-1-format";
import { checkSignatures, type KeySource } from "./step-2-signatures";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The PDU's result when it ended a held invite or knock; null when it is not such a PDU. */
export async function endHeldInvite(raw: unknown, roomId: string, origin: string, stub: DurableObjectStub<RoomDO>, keys: KeySource): Promise<{ eventId: string; result: Record<string, never> | { error: string } } | null> {
	if (!isObject(raw) || raw.type !== "m.room.member" || typeof raw.state_key !== "string" || !isObject(raw.content)) return null;
	if (raw.content.membership !== "leave" && raw.content.membership !== "ban") return null;
	const held = await stub.remoteInviteOf(raw.state_key);
	if (held === null || held.membership === "leave" || held.origin !== origin || held.room_version === null) return null;
	const rules = roomVersionRules(held.room_version);
	if (!rules) return null;
	const format = await checkFormat(raw, rules, roomId);
	if (!format.ok || serverNameOf(format.event.sender) !== origin) return null;
	const eventId = format.event.event_id;
	const verdict = await checkSignatures(format.pdu, rules, keys);
	if (verdict.verdict !== "ok") return { eventId, result: { error: "Signature or hash check failed" } };
	const stored = await stub.receiveRemoteInvite(roomId, raw.state_key, { event_id: eventId, origin, membership: "leave", stripped_state: [] });
	return { eventId, result: stored.ok ? {} : { error: stored.error } };
}
