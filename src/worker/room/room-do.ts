// RoomDO: the single writer of one room (keyed by room ID). It owns the exact PDUs, the DAG, state
// and delivery bookkeeping; see ARCHITECTURE.md "Who owns which data".
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus

import { DurableObject } from "cloudflare:workers";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import { ROOM_MIGRATIONS } from "./schema";
import { RoomStore, type RoomInfo, type StateEntry } from "./store";

export class RoomDO extends DurableObject<Env> {
	private readonly store: RoomStore;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new RoomStore(ctx.storage);
		migrateOnStart(ctx, ROOM_MIGRATIONS);
	}

	/** The room's ID, version and stream position, or null if this object holds no room yet. */
	getRoomInfo(): RoomInfo | null {
		return this.store.getRoomInfo();
	}

	/** The exact JSON text of a PDU as signed or received, or null if unknown. */
	getPdu(eventId: string): string | null {
		return this.store.getPdu(eventId);
	}

	/** The room's current state as (type, state_key, event_id) triples, sorted by type then state key. */
	getCurrentStateIds(): StateEntry[] {
		return this.store.getCurrentStateIds();
	}
}
