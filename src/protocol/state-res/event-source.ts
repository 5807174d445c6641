// A memoising, budgeted view of the caller's event store for one resolution.
// Spec: https://spec.matrix.org/latest/rooms/v2/#state-resolution (every step reads events by ID)

import type { RoomEvent } from "../events/pdu";
import { StateResError } from "./errors";

/** How state resolution reads events; the RoomDO passes `id => store.getPdu(id)`. */
export type FetchEvent = (eventId: string) => RoomEvent | undefined | Promise<RoomEvent | undefined>;

/** The default bound on distinct events one resolution may read (auth chains included). */
export const DEFAULT_MAX_EVENTS = 100_000;

/**
 * Reads each event at most once, refuses to read more than `maxEvents` distinct events (a remote
 * server must not make us walk an unbounded graph), and refuses events from another room.
 */
export class EventSource {
	private readonly cache = new Map<string, RoomEvent | undefined>();
	private roomId: string | undefined;

	constructor(
		private readonly fetch: FetchEvent,
		private readonly maxEvents: number = DEFAULT_MAX_EVENTS,
	) {}

	/** The event, or undefined if the store does not have it. */
	async get(eventId: string): Promise<RoomEvent | undefined> {
		if (this.cache.has(eventId)) return this.cache.get(eventId);
		if (this.cache.size >= this.maxEvents) {
			throw new StateResError("too-large", `state resolution would read more than ${this.maxEvents} events`);
		}
		const event = await this.fetch(eventId);
		if (event !== undefined) this.checkRoom(event);
		this.cache.set(eventId, event);
		return event;
	}

	/** The event; throws `missing-event` if the store does not have it. */
	async require(eventId: string): Promise<RoomEvent> {
		const event = await this.get(eventId);
		if (event === undefined) throw new StateResError("missing-event", `state resolution needs event ${eventId}`, [eventId]);
		return event;
	}

	/** An event already read (undefined if never read or absent): for synchronous lookups after loading. */
	peek(eventId: string): RoomEvent | undefined {
		return this.cache.get(eventId);
	}

	// Synapse refuses to resolve across rooms for the same reason: one room's events must never
	// decide another room's state, whatever a remote server put in `auth_events`.
	private checkRoom(event: RoomEvent): void {
		if (this.roomId === undefined) this.roomId = event.room_id;
		else if (event.room_id !== this.roomId) {
			throw new StateResError("wrong-room", `event ${event.event_id} is in ${event.room_id}, not ${this.roomId}`, [event.event_id]);
		}
	}
}
