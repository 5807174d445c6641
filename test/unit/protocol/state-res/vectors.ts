// Loads the shared state-res vectors (../shared/vectors) and turns their events into RoomEvents.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JsonObject, PduV3, RoomEvent } from "../../../../src/protocol/events/pdu";
import { resolveState, type StateMap, stateMapFromEntries, stateMapKey } from "../../../../src/protocol/state-res";
import type { RoomVersionRules } from "../../../../src/protocol/room-versions/rules";

export const VECTORS = resolve("../shared/vectors");

export function readVector<T>(name: string): T {
	return JSON.parse(readFileSync(resolve(VECTORS, name), "utf8")) as T;
}

export type StateEntry = [type: string, stateKey: string, eventId: string];

/** The event fields the vectors carry (Synapse's have no room ID; ruma's may carry `test-comments`). */
export interface VectorEvent {
	event_id: string;
	room_id?: string;
	type: string;
	state_key?: string | null;
	sender: string;
	content: JsonObject;
	auth_events: string[];
	prev_events: string[];
	origin_server_ts: number;
	depth?: number;
}

/** A RoomEvent for a vector event. The vectors have no hashes or signatures: state res reads neither. */
export function roomEventOf(raw: VectorEvent, roomId: string): RoomEvent {
	const pdu: PduV3 = {
		type: raw.type,
		room_id: roomId,
		sender: raw.sender,
		origin_server_ts: raw.origin_server_ts,
		content: raw.content,
		depth: raw.depth ?? 0,
		hashes: { sha256: "" },
		signatures: {},
		prev_events: raw.prev_events,
		auth_events: raw.auth_events,
	};
	const event: RoomEvent = {
		event_id: raw.event_id,
		room_id: roomId,
		type: raw.type,
		sender: raw.sender,
		origin_server_ts: raw.origin_server_ts,
		content: raw.content,
		depth: pdu.depth,
		prev_events: raw.prev_events,
		auth_events: raw.auth_events,
		pdu,
	};
	if (typeof raw.state_key === "string") {
		event.state_key = raw.state_key;
		pdu.state_key = raw.state_key;
	}
	return event;
}

/** An in-memory event store: what the RoomDO's `id => store.getPdu(id)` is in production. */
export class EventStore {
	readonly events = new Map<string, RoomEvent>();
	add(event: RoomEvent): void {
		this.events.set(event.event_id, event);
	}
	get = (id: string): RoomEvent | undefined => this.events.get(id);

	/** The state after `event`, given the state before it. */
	stateAfter(before: StateMap, event: RoomEvent): StateMap {
		const after = new Map(before);
		if (event.state_key !== undefined) after.set(stateMapKey(event.type, event.state_key), event.event_id);
		return after;
	}
}

export const toMap = (entries: StateEntry[]): StateMap => stateMapFromEntries(entries);

/** Resolves with the store as the event source. */
export function resolveWith(rules: RoomVersionRules, store: EventStore, sets: StateMap[]): Promise<StateMap> {
	return resolveState(rules, sets, store.get);
}
