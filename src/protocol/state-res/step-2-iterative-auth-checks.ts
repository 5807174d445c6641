// Steps 2 and 4: the iterative auth checks, applying sorted events to a state one at a time.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Iterative auth checks") and #algorithm (steps 2, 4)

import { type AuthOptions, authTypesForEvent, checkStateDependentAuthRules, stateKeyString } from "../auth";
import type { RoomVersionRules } from "../room-versions/rules";
import { authEventsState } from "./auth-events-state";
import type { EventSource } from "./event-source";
import { type ReadonlyStateMap, type StateMap, stateMapKey } from "./state-map";

export interface IterativeAuthOptions {
	/** Whether an event was rejected on receipt; rejected events are never used as auth events. */
	isRejected?: (eventId: string) => boolean;
	authOptions?: AuthOptions;
}

/**
 * "The iterative auth checks algorithm takes as input an initial room state and a sorted list of state
 * events, and constructs a new room state by iterating through the event list and applying the state
 * event to the room state if the state event is allowed by the authorisation rules. If the state event
 * is not allowed by the authorisation rules, then the event is ignored. If a (event_type, state_key)
 * key that is required for checking the authorisation rules is not present in the state, then the
 * appropriate state event from the event's auth_events is used if the auth event is not rejected."
 *
 * "Allowed by the authorisation rules" means the state-dependent rules, as in Synapse and ruma: the
 * rules about an event's own `auth_events` list were checked when it was received, and a rejected
 * event is re-checked here like any other ("handled as usual by the algorithm").
 */
export async function iterativeAuthChecks(
	rules: RoomVersionRules,
	source: EventSource,
	eventIds: readonly string[],
	initial: ReadonlyStateMap,
	options: IterativeAuthOptions = {},
): Promise<StateMap> {
	const state: StateMap = new Map(initial);
	for (const id of eventIds) {
		const event = await source.require(id);
		// Only state events can enter a state map; auth chains hold nothing else.
		if (event.state_key === undefined) continue;

		const authState = await authEventsState(rules, source, event, options.isRejected);
		for (const [type, stateKey] of authTypesForEvent(rules, event.type, event.sender, event.state_key, event.content)) {
			const current = state.get(stateMapKey(type, stateKey));
			if (current === undefined || options.isRejected?.(current)) continue;
			const currentEvent = await source.get(current);
			if (currentEvent) authState.set(stateKeyString(type, stateKey), currentEvent);
		}

		const result = await checkStateDependentAuthRules(
			rules,
			event,
			(type, stateKey) => authState.get(stateKeyString(type, stateKey)),
			options.authOptions,
		);
		if (result.ok) state.set(stateMapKey(event.type, event.state_key), id);
	}
	return state;
}
