// The ways state resolution refuses to finish: a cycle, a graph over budget, or an event it must have.
// Spec: https://spec.matrix.org/latest/rooms/v2/#state-resolution (the algorithm assumes a finite auth DAG)

export type StateResErrorKind = "cycle" | "too-large" | "missing-event" | "wrong-room" | "unsupported";

/**
 * Thrown when resolution cannot produce a state. It is not an auth outcome: the caller keeps its
 * previous state and fetches (or refuses) what the error names.
 */
export class StateResError extends Error {
	readonly kind: StateResErrorKind;
	readonly eventIds: string[];
	constructor(kind: StateResErrorKind, message: string, eventIds: string[] = []) {
		super(message);
		this.name = "StateResError";
		this.kind = kind;
		this.eventIds = eventIds;
	}
}
