// Turning a local event template into a signed, authorised PDU: auth events from state, prev_events =
// forward extremities, depth = max + 1, hash + sign + event ID, then the auth rules against current state.
// Spec: https://spec.matrix.org/latest/server-server-api/#auth-events-selection,
// https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu (steps 4–6 apply to our own events too)

import { authTypesForEvent, checkStateDependentAuthRules, checkStateIndependentAuthRules, MissingAuthEventError } from "../../protocol/auth";
import type { SigningKey } from "../../protocol/crypto/ed25519";
import { type BuiltEvent, buildSignedEvent, type EventTemplate } from "../../protocol/events/build-event";
import { MatrixError, type RpcResult } from "../../protocol/errors";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import type { StateView } from "./state-view";

export interface Placement {
	rules: RoomVersionRules;
	room_id: string;
	/** The forward extremities; the create event has none. */
	prev_events: readonly string[];
	/** The largest depth among prev_events (0 for the create event). */
	max_prev_depth: number;
	origin_server_ts: number;
	server_name: string;
	key: SigningKey;
}

/**
 * Builds and authorises one event against `state` (the state it will follow). Refusals come back as
 * M_FORBIDDEN naming the spec rule; malformed content as the builder's M_BAD_JSON / M_TOO_LARGE.
 */
export async function placeLocalEvent(template: EventTemplate, state: StateView, at: Placement): Promise<RpcResult<BuiltEvent>> {
	const { rules } = at;
	const authEvents: string[] = [];
	for (const [type, stateKey] of authTypesForEvent(rules, template.type, template.sender, template.state_key, template.content)) {
		const event = state.get(type, stateKey);
		if (event) authEvents.push(event.event_id);
	}
	let built: BuiltEvent;
	try {
		built = await buildSignedEvent(
			rules,
			{
				...template,
				room_id: at.room_id,
				origin_server_ts: at.origin_server_ts,
				prev_events: at.prev_events,
				auth_events: authEvents,
				depth: at.max_prev_depth + 1,
			},
			at.server_name,
			at.key,
		);
	} catch (err) {
		if (err instanceof MatrixError) return { ok: false, errcode: err.errcode, error: err.message };
		throw err;
	}
	const result = await authoriseBuilt(rules, built, state);
	if (!result.ok) return result;
	return { ok: true, value: built };
}

/** The auth rules for a built event against `state`: state-independent rules, then state-dependent ones. */
export async function authoriseBuilt(rules: RoomVersionRules, built: BuiltEvent, state: StateView): Promise<RpcResult<null>> {
	const lookup = (id: string) => {
		const event = state.byEventId(id);
		return event ? { event, rejected: false } : undefined;
	};
	try {
		const independent = checkStateIndependentAuthRules(rules, built.event, lookup);
		const result = independent.ok ? await checkStateDependentAuthRules(rules, built.event, state.lookup) : independent;
		if (!result.ok) return { ok: false, errcode: "M_FORBIDDEN", error: `${result.reason} (auth rule ${result.rule})` };
	} catch (err) {
		// Our own state always holds the auth events we cited; a miss means the room is not set up.
		if (err instanceof MissingAuthEventError) return { ok: false, errcode: "M_FORBIDDEN", error: "The room's state is incomplete" };
		throw err;
	}
	return { ok: true, value: null };
}
