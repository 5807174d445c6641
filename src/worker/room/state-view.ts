// The slice of room state that building and authorising one local event needs, as RoomEvents.
// Spec: https://spec.matrix.org/latest/server-server-api/#auth-events-selection

import { authTypesForEvent, type StateLookup, stateKeyString } from "../../protocol/auth";
import type { EventTemplate } from "../../protocol/events/build-event";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import { stateKeyOf } from "./store";

/** Events never change once stored, so their parsed views are cached by ID (bounded, oldest dropped first). */
export class EventCache {
	private readonly events = new Map<string, RoomEvent>();
	constructor(private readonly limit = 2000) {}

	get(eventId: string): RoomEvent | undefined {
		return this.events.get(eventId);
	}

	put(event: RoomEvent): void {
		if (this.events.size >= this.limit) {
			const oldest = this.events.keys().next().value;
			if (oldest !== undefined) this.events.delete(oldest);
		}
		this.events.set(event.event_id, event);
	}
}

/** A map of state events that answers the auth rules' lookups and finds auth events by ID. */
export class StateView {
	private readonly byKey = new Map<string, RoomEvent>();
	private readonly byId = new Map<string, RoomEvent>();

	set(event: RoomEvent): void {
		if (event.state_key === undefined) return;
		const key = stateKeyString(event.type, event.state_key);
		const old = this.byKey.get(key);
		if (old) this.byId.delete(old.event_id);
		this.byKey.set(key, event);
		this.byId.set(event.event_id, event);
	}

	get(type: string, stateKey: string): RoomEvent | undefined {
		return this.byKey.get(stateKeyString(type, stateKey));
	}

	byEventId(eventId: string): RoomEvent | undefined {
		return this.byId.get(eventId);
	}

	readonly lookup: StateLookup = (type, stateKey) => this.get(type, stateKey);
}

/** The state keys to load for a template: its auth types, the create event, and its own key (for no-op detection), each once. */
export function stateKeysFor(rules: RoomVersionRules, template: EventTemplate): [string, string][] {
	const keys: [string, string][] = authTypesForEvent(rules, template.type, template.sender, template.state_key, template.content).map(
		([t, k]) => [t, k],
	);
	const extra: [string, string][] = [["m.room.create", ""]];
	if (template.state_key !== undefined) extra.push([template.type, template.state_key]);
	for (const [type, stateKey] of extra) {
		if (!keys.some(([t, k]) => t === type && k === stateKey)) keys.push([type, stateKey]);
	}
	return keys;
}

/**
 * Loads the current state events for `keys` through the cache. `currentEventIds` answers all keys at once
 * (one query), keyed by store.ts stateKeyOf.
 */
export async function loadStateView(
	rules: RoomVersionRules,
	keys: readonly [string, string][],
	currentEventIds: (keys: readonly [string, string][]) => ReadonlyMap<string, string>,
	getPdu: (eventId: string) => string | null,
	cache: EventCache,
): Promise<StateView> {
	const view = new StateView();
	const ids = currentEventIds(keys);
	for (const [type, stateKey] of keys) {
		const id = ids.get(stateKeyOf(type, stateKey));
		if (id === undefined) continue;
		let event = cache.get(id);
		if (!event) {
			const text = getPdu(id);
			if (text === null) continue;
			event = await toRoomEvent(JSON.parse(text) as Pdu, rules);
			cache.put(event);
		}
		view.set(event);
	}
	return view;
}
