// RoomDO: the single writer of one room (keyed by room ID). It owns the exact PDUs, the DAG, state
// and delivery bookkeeping; see ARCHITECTURE.md "Who owns which data".
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus

import { DurableObject } from "cloudflare:workers";
import type { RpcResult } from "../../protocol/errors";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import type { ClientRoomApi, CreatedRoom, CreateRoomInput, LocalEventInput, Membership, SentEvent } from "./api";
import { LocalWriter } from "./local-writer";
import { drainOutbox } from "./outbox-drain";
import { OutboxStore } from "./outbox-store";
import { pokeDelivery } from "./poke-delivery";
import { ROOM_MIGRATIONS } from "./schema";
import { RoomStore, type RoomInfo, type StateEntry } from "./store";
import { WriteStore } from "./write-store";

export class RoomDO extends DurableObject<Env> implements ClientRoomApi {
	private readonly store: RoomStore;
	private readonly writes: WriteStore;
	private readonly outbox: OutboxStore;
	/** The local write path (room/local-writer.ts): one serialised step per event. */
	private readonly writer: LocalWriter;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new RoomStore(ctx.storage);
		this.writes = new WriteStore(ctx.storage.sql);
		this.outbox = new OutboxStore(ctx.storage.sql);
		migrateOnStart(ctx, ROOM_MIGRATIONS);
		this.writer = new LocalWriter({
			storage: ctx.storage,
			env,
			store: this.store,
			writes: this.writes,
			outbox: this.outbox,
			scheduleDrain: () => ctx.storage.setAlarm(Date.now()),
		});
	}

	sendLocalEvent(input: LocalEventInput): Promise<RpcResult<SentEvent>> {
		return this.writer.sendLocalEvent(input);
	}

	createRoom(input: CreateRoomInput): Promise<RpcResult<CreatedRoom>> {
		return this.writer.createRoom(input);
	}

	getMembership(userId: string): Membership | null {
		return this.writes.getMember(userId)?.membership ?? null;
	}

	/** Drains the outbox (room/outbox-drain.ts) and re-arms itself while rows remain. */
	async alarm(): Promise<void> {
		const room = this.store.getRoomInfo();
		if (room === null) return;
		const next = await drainOutbox(this.outbox, pokeDelivery(this.env, room.room_id, Date.now), Date.now);
		if (next !== null) await this.ctx.storage.setAlarm(next);
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
