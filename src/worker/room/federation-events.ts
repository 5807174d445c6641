// Stored events as RoomEvents for the federation side's auth checks and state resolution, and the
// conversions between the store's state keys and state resolution's.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import type { AuthEventLookup, StateLookup } from "../../protocol/auth";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import { parseStateMapKey, stateMapKey } from "../../protocol/state-res/state-map";
import type { FederationStore } from "./federation-store";
import { type RoomStore, type StateMap, stateKeyOf } from "./store";

/** A stored state group (NUL-joined keys) as state resolution's map (JSON keys), and back. */
export function toResMap(group: StateMap): Map<string, string> {
	const out = new Map<string, string>();
	for (const [key, id] of group) {
		const i = key.indexOf("\u0000");
		out.set(stateMapKey(key.slice(0, i), key.slice(i + 1)), id);
	}
	return out;
}

export function fromResMap(map: ReadonlyMap<string, string>): StateMap {
	const out: StateMap = new Map();
	for (const [key, id] of map) {
		const [type, stateKey] = parseStateMapKey(key);
		out.set(stateKeyOf(type, stateKey), id);
	}
	return out;
}

/** Parses stored PDUs on demand, once each: one instance per ingest or serving call. */
export class StoredEvents {
	private readonly cache = new Map<string, RoomEvent | null>();
	constructor(
		readonly rules: RoomVersionRules,
		private readonly store: RoomStore,
		private readonly fed: FederationStore,
	) {}

	async get(eventId: string): Promise<RoomEvent | undefined> {
		if (this.cache.has(eventId)) return this.cache.get(eventId) ?? undefined;
		const text = this.store.getPdu(eventId);
		const event = text === null ? null : await toRoomEvent(JSON.parse(text) as Pdu, this.rules);
		this.cache.set(eventId, event);
		return event ?? undefined;
	}

	remember(event: RoomEvent): void {
		this.cache.set(event.event_id, event);
	}

	isRejected(eventId: string): boolean {
		return this.fed.flags(eventId)?.rejected ?? false;
	}

	/** Loads `ids` (so the synchronous lookups below can answer) and returns those not stored. */
	async load(ids: Iterable<string>): Promise<string[]> {
		const missing: string[] = [];
		for (const id of ids) if ((await this.get(id)) === undefined) missing.push(id);
		return missing;
	}

	/** The auth rules' lookup of auth events by ID; call `load` first. */
	readonly authLookup: AuthEventLookup = (eventId) => {
		const event = this.cache.get(eventId);
		return event ? { event, rejected: this.isRejected(eventId) } : undefined;
	};

	/** A state map (store keys) as the auth rules' `(type, state_key)` lookup; call `loadState` first. */
	stateLookup(state: StateMap): StateLookup {
		return (type, stateKey) => {
			const id = state.get(stateKeyOf(type, stateKey));
			return id === undefined ? undefined : (this.cache.get(id) ?? undefined);
		};
	}

	async loadState(state: StateMap): Promise<void> {
		await this.load(state.values());
	}
}
