// State resolution v2 (room versions 2–11) and v2.1 (room version 12): the algorithm's five steps (v1 in state-res-v1.ts).
// Spec: https://spec.matrix.org/latest/rooms/v2/#state-resolution, https://spec.matrix.org/latest/rooms/v12/#state-resolution

import type { AuthOptions } from "../auth";
import type { RoomVersionRules } from "../room-versions/rules";
import { authChainsOfStateSets, authDifference } from "./auth-chain";
import { conflictedEventIds, splitConflictedState } from "./conflicted-state";
import { conflictedStateSubgraph } from "./conflicted-subgraph";
import { DEFAULT_MAX_EVENTS, EventSource, type FetchEvent } from "./event-source";
import { type ReadonlyStateMap, type StateMap, stateMapKey } from "./state-map";
import { resolveStateV1 } from "./state-res-v1";
import { sortPowerEvents } from "./step-1-sort-power-events";
import { iterativeAuthChecks } from "./step-2-iterative-auth-checks";
import { mainlineOrdering } from "./step-3-mainline-ordering";

export interface ResolveStateOptions {
	/**
	 * The full auth chain of each state set, in the order of `stateSets` (as a store with an auth-chain
	 * index can answer cheaply). Computed from `fetchEvent` when absent: the union of the auth chains of
	 * the set's events, which per the spec do not include the events themselves.
	 */
	authChains?: readonly ReadonlySet<string>[];
	/** Whether an event was rejected on receipt; such events are never used as auth events. */
	isRejected?: (eventId: string) => boolean;
	/** Passed to the auth rules (third-party invite signatures, restricted-join signatures). */
	authOptions?: AuthOptions;
	/** The most distinct events one resolution may read before it throws `too-large`. */
	maxEvents?: number;
}

/**
 * Resolves the states `stateSets` (e.g. the states after each `prev_event` of a new event) into one.
 * `fetchEvent` must return every event of the state sets and of their auth chains that the store has;
 * events it lacks are left out, as Synapse and ruma leave out events they cannot verify.
 * Throws `StateResError` for cycles, graphs over `maxEvents`, events from another room, and a missing
 * power levels mainline event. Room version 1 uses state resolution v1 (no auth chains needed).
 */
export async function resolveState(
	rules: RoomVersionRules,
	stateSets: readonly ReadonlyStateMap[],
	fetchEvent: FetchEvent,
	options: ResolveStateOptions = {},
): Promise<StateMap> {
	const source = new EventSource(fetchEvent, options.maxEvents ?? DEFAULT_MAX_EVENTS);
	if (rules.stateRes === "v1") return resolveStateV1(rules, stateSets, source, options.authOptions);
	const v2_1 = rules.stateRes === "v2.1";

	const { unconflicted, conflicted } = splitConflictedState(stateSets);
	if (conflicted.size === 0) return unconflicted;

	const authChains = options.authChains ?? (await authChainsOfStateSets(source, stateSets));
	if (authChains.length !== stateSets.length) throw new TypeError("resolveState: authChains must have one entry per state set");

	// "The full conflicted set is the union of the conflicted state set and the auth difference"
	// (v12: "the conflicted state set, the conflicted state subgraph, and the auth difference").
	const conflictedIds = conflictedEventIds(conflicted);
	const fullConflictedSet = new Set([...conflictedIds, ...authDifference(authChains)]);
	if (v2_1) for (const id of await conflictedStateSubgraph(source, conflictedIds)) fullConflictedSet.add(id);
	for (const id of fullConflictedSet) if ((await source.get(id)) === undefined) fullConflictedSet.delete(id);

	// 1. Power events and their conflicted auth ancestors, by reverse topological power ordering.
	const sortedPowerEvents = await sortPowerEvents(rules, source, fullConflictedSet);

	// 2. "Apply the iterative auth checks algorithm, starting from the unconflicted state map" (v12:
	// "starting from an *empty* state map": MSC4297, so that unconflicted state that a power event
	// would have refused cannot authorise it).
	const checkOptions = { isRejected: options.isRejected, authOptions: options.authOptions };
	const initial: ReadonlyStateMap = v2_1 ? new Map() : unconflicted;
	const partial = await iterativeAuthChecks(rules, source, sortedPowerEvents, initial, checkOptions);

	// 3. The remaining events, by mainline ordering based on the partially resolved power levels.
	const picked = new Set(sortedPowerEvents);
	const remaining = [...fullConflictedSet].filter((id) => !picked.has(id));
	const ordered = await mainlineOrdering(source, remaining, partial.get(stateMapKey("m.room.power_levels", "")));

	// 4. "Apply the iterative auth checks algorithm on the partial resolved state and the list of
	// events from the previous step."
	const resolved = await iterativeAuthChecks(rules, source, ordered, partial, checkOptions);

	// 5. "Update the result by replacing any event with the event with the same key from the
	// unconflicted state map, if such an event exists, to get the final resolved state."
	for (const [key, id] of unconflicted) resolved.set(key, id);
	return resolved;
}
