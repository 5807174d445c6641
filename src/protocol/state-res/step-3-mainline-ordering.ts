// Step 3: order the remaining events by the mainline of the partially resolved power levels.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Mainline ordering") and #algorithm (step 3)

import type { RoomEvent } from "../events/pdu";
import { compareCodePoints } from "../json/canonical";
import { StateResError } from "./errors";
import type { EventSource } from "./event-source";

/** "∞, a sentinel value greater than any integer": the position of an event with no mainline ancestor. */
export const NO_MAINLINE_POSITION = Number.POSITIVE_INFINITY;

/**
 * "3. Take all remaining events that weren't picked in step 1 and order them by the mainline ordering
 * based on the power level in the partially resolved state obtained in step 2."
 * `powerLevelsId` is that power levels event (undefined if the partial state has none: every
 * position is then ∞ and the order falls to `origin_server_ts` and event ID).
 */
export async function mainlineOrdering(source: EventSource, eventIds: readonly string[], powerLevelsId: string | undefined): Promise<string[]> {
	const mainline = await mainlineOf(source, powerLevelsId);
	const positions = new Map<string, number>();
	const keys = new Map<string, { position: number; ts: number }>();
	for (const id of eventIds) {
		const event = await source.require(id);
		keys.set(id, { position: await mainlinePosition(source, event, mainline, positions), ts: event.origin_server_ts });
	}
	return [...eventIds].sort((a, b) => {
		const x = keys.get(a);
		const y = keys.get(b);
		if (!x || !y) return compareCodePoints(a, b);
		// "x < y if 1. the mainline position of x is **greater** than the mainline position of y; or
		// 2. the mainline positions of the events are the same, but x's origin_server_ts is *less* than
		// y's origin_server_ts; or 3. [...] x's event_id is *less* than y's event_id."
		if (x.position !== y.position) return x.position > y.position ? -1 : 1;
		if (x.ts !== y.ts) return x.ts < y.ts ? -1 : 1;
		return compareCodePoints(a, b);
	});
}

/**
 * "Let P = P0 be an m.room.power_levels event. Starting with i = 0, repeatedly fetch P_i+1, the
 * m.room.power_levels event in the auth_events of P_i. [...] The mainline of P0 is the list of events
 * [P0, P1, ..., Pn]": returned as event ID → i.
 */
export async function mainlineOf(source: EventSource, powerLevelsId: string | undefined): Promise<Map<string, number>> {
	const mainline = new Map<string, number>();
	let current = powerLevelsId === undefined ? undefined : await source.require(powerLevelsId);
	while (current) {
		if (mainline.has(current.event_id)) throw new StateResError("cycle", `the power levels mainline loops at ${current.event_id}`, [current.event_id]);
		mainline.set(current.event_id, mainline.size);
		current = await powerLevelsParent(source, current);
	}
	return mainline;
}

/**
 * "Find the smallest index j ≥ 1 for which e_j belongs to the mainline of P. If such a j exists, then
 * e_j = P_i for some unique index i ≥ 0. Otherwise set i = ∞." — e_0 itself is not looked up.
 * `memo` keeps the answer for every event walked through, since the events of one fork share their
 * power levels ancestors.
 */
export async function mainlinePosition(
	source: EventSource,
	event: RoomEvent,
	mainline: ReadonlyMap<string, number>,
	memo: Map<string, number> = new Map(),
): Promise<number> {
	const path: string[] = [];
	const seen = new Set<string>();
	let position = NO_MAINLINE_POSITION;
	let current: RoomEvent | undefined = event;
	while (current) {
		const known = memo.get(current.event_id);
		if (known !== undefined) {
			position = known;
			break;
		}
		if (seen.has(current.event_id)) throw new StateResError("cycle", `power levels auth_events loop at ${current.event_id}`, [current.event_id]);
		seen.add(current.event_id);
		path.push(current.event_id);
		const parent: RoomEvent | undefined = await powerLevelsParent(source, current);
		const index = parent === undefined ? undefined : mainline.get(parent.event_id);
		if (index !== undefined) {
			position = index;
			break;
		}
		current = parent;
	}
	// Every event on the path reaches the same first mainline ancestor.
	for (const id of path) memo.set(id, position);
	return position;
}

/** The m.room.power_levels event in the event's auth_events, if any (the first, if it cites several). */
async function powerLevelsParent(source: EventSource, event: RoomEvent): Promise<RoomEvent | undefined> {
	for (const id of event.auth_events) {
		const auth = await source.get(id);
		if (auth?.type === "m.room.power_levels" && auth.state_key === "") return auth;
	}
	return undefined;
}
