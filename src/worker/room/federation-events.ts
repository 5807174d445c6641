// Stored events as RoomEvents for the federation side's auth checks and state resolution, and the
// conversions between the store's state keys and state resolution's.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import type { AuthEventLookup, StateLookup } from "../../protocol/auth";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import { parseStateMapKey, stateMapKey } from "../../protocol/state-res/state-map";
import { MemoryLru } from "../../platform/memory-lru";
import type { FederationStore } from "./federation-store";
import { type StateMap, stateKeyOf } from "./store";

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

/** How many parsed stored events (and how much of their JSON text) a room keeps between calls. */
const MEMO_EVENTS = 1_000;
const MEMO_BYTES = 4 * 1024 * 1024;

/**
 * Stored events, parsed, with their rejected flag, kept by a room between ingest calls: every message cites
 * the same few auth events (create, power levels, the sender's membership), which were otherwise read,
 * parsed and hashed again for each. Filled only from what storage holds, and both a stored PDU and its
 * rejected flag never change, so an entry never goes stale; the bound keeps it a cache.
 */
export class StoredEventMemo {
	private readonly lru = new MemoryLru<{ event: RoomEvent; rejected: boolean }>(MEMO_EVENTS, MEMO_BYTES);

	get(eventId: string): { event: RoomEvent; rejected: boolean } | undefined {
		return this.lru.get(eventId);
	}

	set(event: RoomEvent, rejected: boolean, pduBytes: number): void {
		this.lru.set(event.event_id, { event, rejected }, pduBytes);
	}
}

/**
 * Parses stored PDUs on demand, once each: one instance per ingest or serving call, in front of the room's
 * memo when it has one. `remember` adds events of this call not stored yet (never to the memo: the write
 * may yet fail).
 */
export class StoredEvents {
	private readonly cache = new Map<string, RoomEvent | null>();
	private readonly rejected = new Map<string, boolean>();
	constructor(
		readonly rules: RoomVersionRules,
		private readonly fed: FederationStore,
		private readonly memo?: StoredEventMemo,
	) {}

	async get(eventId: string): Promise<RoomEvent | undefined> {
		if (this.cache.has(eventId)) return this.cache.get(eventId) ?? undefined;
		const memoised = this.memo?.get(eventId);
		if (memoised) {
			this.rejected.set(eventId, memoised.rejected);
			this.cache.set(eventId, memoised.event);
			return memoised.event;
		}
		const stored = this.fed.storedPdu(eventId);
		const event = stored === null ? null : await toRoomEvent(JSON.parse(stored.pdu) as Pdu, this.rules);
		this.cache.set(eventId, event);
		if (stored !== null && event !== null) {
			this.rejected.set(eventId, stored.rejected);
			this.memo?.set(event, stored.rejected, stored.pdu.length);
		}
		return event ?? undefined;
	}

	remember(event: RoomEvent): void {
		this.cache.set(event.event_id, event);
	}

	isRejected(eventId: string): boolean {
		const known = this.rejected.get(eventId);
		if (known !== undefined) return known;
		const flags = this.fed.flags(eventId);
		// Only a stored event's flag is final; one not stored yet may still be written either way.
		if (flags !== null) this.rejected.set(eventId, flags.rejected);
		return flags?.rejected ?? false;
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
