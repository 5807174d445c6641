// State resolution: the room state after a fork, from the states of its branches (v2, v2.1).
// Spec: https://spec.matrix.org/latest/rooms/v2/#state-resolution, https://spec.matrix.org/latest/rooms/v12/#state-resolution

export { authChainsOfStateSets, authDifference, fullAuthChain } from "./auth-chain";
export { type ConflictSplit, conflictedEventIds, splitConflictedState } from "./conflicted-state";
export { conflictedStateSubgraph } from "./conflicted-subgraph";
export { StateResError, type StateResErrorKind } from "./errors";
export { DEFAULT_MAX_EVENTS, EventSource, type FetchEvent } from "./event-source";
export { isPowerEvent } from "./power-event";
export { type ResolveStateOptions, resolveState } from "./resolve-state";
export {
	parseStateMapKey,
	type ReadonlyStateMap,
	type StateMap,
	stateMapEntries,
	stateMapFromEntries,
	stateMapKey,
} from "./state-map";
export { compareReverseTopologicalPower, type PowerOrderKey, senderPowerLevel, sortPowerEvents } from "./step-1-sort-power-events";
export { type IterativeAuthOptions, iterativeAuthChecks } from "./step-2-iterative-auth-checks";
export { mainlineOf, mainlineOrdering, mainlinePosition, NO_MAINLINE_POSITION } from "./step-3-mainline-ordering";
export { lexicographicalTopologicalSort } from "./topological-sort";
export { resolveStateV1 } from "./state-res-v1";
