// State resolution v1 (room version 1): passes over power levels, join rules, members, then the rest.
// Spec: https://spec.matrix.org/latest/rooms/v1/#state-resolution

import { type AuthOptions, checkStateDependentAuthRules, stateKeyString } from "../auth";
import { toArrayBufferView } from "../crypto/bytes";
import type { RoomEvent } from "../events/pdu";
import type { RoomVersionRules } from "../room-versions/rules";
import type { EventSource } from "./event-source";
import { parseStateMapKey, type ReadonlyStateMap, type StateMap } from "./state-map";

/**
 * "Start by setting R to the union of the states to be resolved, excluding any *conflicting* events."
 * "A conflict occurs between states where those states have different event_ids for the same
 * (event_type, state_key)": a key that only some states have is not conflicted in v1.
 * Then power levels, join rules and member conflicts are resolved in that order, each pass against R
 * as the previous passes left it; member keys do not see each other's outcome within their pass, as
 * in Synapse (`synapse/state/v1.py`), so the result does not depend on the order of keys.
 */
export async function resolveStateV1(
	rules: RoomVersionRules,
	stateSets: readonly ReadonlyStateMap[],
	source: EventSource,
	authOptions?: AuthOptions,
): Promise<StateMap> {
	const resolved: StateMap = new Map();
	const conflicts = new Map<string, Set<string>>();
	for (const set of stateSets) {
		for (const [key, id] of set) {
			const seen = conflicts.get(key);
			if (seen) seen.add(id);
			else conflicts.set(key, new Set([id]));
		}
	}
	const conflicted = new Map<string, RoomEvent[]>();
	for (const [key, ids] of conflicts) {
		const events: RoomEvent[] = [];
		for (const id of ids) {
			const event = await source.get(id);
			if (event) events.push(event);
		}
		// Events we cannot read cannot conflict; one readable candidate is simply the state.
		if (events.length === 1 && events[0]) resolved.set(key, events[0].event_id);
		else if (events.length > 1) conflicted.set(key, await orderByDepthThenSha1(events));
	}
	const r = new Map<string, RoomEvent>();
	for (const [key, id] of resolved) {
		const event = await source.get(id);
		if (event) r.set(key, event);
	}

	const pass = async (match: (type: string) => boolean, resolve: (events: RoomEvent[], r: ReadonlyMap<string, RoomEvent>) => Promise<RoomEvent>) => {
		const before = new Map(r);
		for (const [key, events] of conflicted) {
			if (!match(parseStateMapKey(key)[0]) || resolved.has(key)) continue;
			const winner = await resolve(events, before);
			resolved.set(key, winner.event_id);
			r.set(key, winner);
		}
	};
	const authEvents = (events: RoomEvent[], state: ReadonlyMap<string, RoomEvent>) => resolveAuthEvents(rules, events, state, authOptions);
	await pass((t) => t === "m.room.power_levels", authEvents);
	await pass((t) => t === "m.room.join_rules", authEvents);
	await pass((t) => t === "m.room.member", authEvents);
	// "No other events affect the authorisation rules, so for all other conflicts, just pick the event with
	// the highest depth and lowest sha1(event_id) that passes authentication in R and add it to R."
	await pass(() => true, (events, state) => resolveNormalEvents(rules, events, state, authOptions));
	return resolved;
}

/**
 * "Sort the list by ascending depth then descending sha1(event_id). Add the first event in the list to
 * R. For each subsequent event in the list, check that the event would be allowed by the authorisation
 * rules for a room in state R. If the event would be allowed, then update R with the event and continue
 * with the next event in the list. If it would not be allowed, stop".
 * `events` arrive sorted by descending depth then ascending SHA-1, so they are walked backwards.
 */
async function resolveAuthEvents(
	rules: RoomVersionRules,
	events: RoomEvent[],
	state: ReadonlyMap<string, RoomEvent>,
	authOptions?: AuthOptions,
): Promise<RoomEvent> {
	const ascending = [...events].reverse();
	const r = new Map(state);
	let last = ascending[0];
	if (!last) throw new TypeError("resolveAuthEvents needs at least one event");
	for (const event of ascending.slice(1)) {
		r.set(stateKeyString(last.type, last.state_key ?? ""), last);
		const result = await checkStateDependentAuthRules(rules, event, (t, k) => r.get(stateKeyString(t, k)), authOptions);
		if (!result.ok) break;
		last = event;
	}
	return last;
}

/** The first of (descending depth, ascending SHA-1) that passes auth in R; if none does, the last one, as Synapse does. */
async function resolveNormalEvents(
	rules: RoomVersionRules,
	events: RoomEvent[],
	state: ReadonlyMap<string, RoomEvent>,
	authOptions?: AuthOptions,
): Promise<RoomEvent> {
	for (const event of events) {
		const result = await checkStateDependentAuthRules(rules, event, (t, k) => state.get(stateKeyString(t, k)), authOptions);
		if (result.ok) return event;
	}
	const last = events[events.length - 1];
	if (!last) throw new TypeError("resolveNormalEvents needs at least one event");
	return last;
}

/** Descending depth, then ascending hex SHA-1 of the event ID (hex order is byte order). */
async function orderByDepthThenSha1(events: RoomEvent[]): Promise<RoomEvent[]> {
	const keyed = await Promise.all(events.map(async (event) => ({ event, sha1: await sha1Hex(event.event_id) })));
	keyed.sort((a, b) => (a.event.depth !== b.event.depth ? b.event.depth - a.event.depth : a.sha1 < b.sha1 ? -1 : a.sha1 > b.sha1 ? 1 : 0));
	return keyed.map((k) => k.event);
}

async function sha1Hex(text: string): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", toArrayBufferView(new TextEncoder().encode(text))));
	return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
