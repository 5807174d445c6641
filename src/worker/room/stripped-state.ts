// Stripped state: the few state events an invitee or knocker sees of a room before joining. Over
// federation (invite_room_state, knock_room_state) they travel as the full PDUs since Matrix 1.16, so
// the receiving server can check them; /sync strips them to type, state_key, sender and content.
// Spec: https://spec.matrix.org/latest/client-server-api/#stripped-state,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2inviteroomideventid

import type { Pdu } from "../../protocol/events/pdu";
import type { RoomStore } from "./store";

/** The spec's recommended events (create, join rules, name, avatar, topic, canonical alias, encryption). */
export const STRIPPED_TYPES = ["m.room.create", "m.room.join_rules", "m.room.name", "m.room.avatar", "m.room.topic", "m.room.canonical_alias", "m.room.encryption"];

/** The current stripped-state events as PDUs, plus `memberOf`'s member event when given (the inviter's, or the knocker's). */
export function strippedStatePdus(store: RoomStore, memberOf: string | null): Pdu[] {
	const out: Pdu[] = [];
	for (const entry of store.getCurrentStateIds()) {
		const wanted = STRIPPED_TYPES.includes(entry.type) || (entry.type === "m.room.member" && entry.state_key === memberOf);
		const text = wanted ? store.getPdu(entry.event_id) : null;
		if (text !== null) out.push(JSON.parse(text) as Pdu);
	}
	return out;
}
