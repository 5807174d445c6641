// Storing events the bridge fetched through /backfill as the room's history: receipt checks 4 and 5
// (auth against the event's auth events, and against the state before it), then the event takes a
// stream ordering below every earlier one, newest nearest the live end. History is no news: no forward
// extremity, current state, member row (except a moved one's position), poke or federation hand-off
// changes, so /sync, long-polls, notifications and other servers never hear of it. The bridge already ran
// checks 1–3 and handed over the state before the oldest events (as outliers); no network calls here.
// Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events,
// https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import type { RpcResult } from "../../protocol/errors";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { StateResError } from "../../protocol/state-res";
import { BackfillStore } from "./backfill-store";
import { StoredEvents } from "./federation-events";
import type { FederationStore } from "./federation-store";
import { checkAgainstAuthEvents } from "./federation-step-4-auth-events";
import { checkAgainstState, type StateBefore, stateBeforeEvent } from "./federation-step-5-state-before";
import { stateGroupsOf } from "./federation-persist";
import { newEventOf, type RoomStore, type StateMap, stateKeyOf } from "./store";
import type { WriteStore } from "./write-store";

export interface BackfillInput {
	/** /backfill's PDUs after checks 1–3 (the exact JSON, or the redacted copy), in any order. */
	events: string[];
	/**
	 * The state before events whose prev events the room holds no state at (from /state, as event IDs; the
	 * bridge stored those events first as outliers).
	 */
	state_before: Record<string, string[]>;
	/**
	 * Only the rounds right after our join, before its reply (so no client has paged through the room yet):
	 * "place" moves send_join's state events the batch names to their place in history; "finish" (the last
	 * step) moves the rest of that state beneath all history stored so far. Later rounds move nothing, so a
	 * client never meets an event twice.
	 */
	join_state?: "place" | "finish";
}

export interface BackfillDeps {
	storage: DurableObjectStorage;
	store: RoomStore;
	fed: FederationStore;
	writes: WriteStore;
}

interface Placed {
	event: RoomEvent;
	json: string;
}

/** Stores what it can of the batch; `stored` counts the events that entered the timeline. */
export async function storeBackfill(deps: BackfillDeps, input: BackfillInput, now: number): Promise<RpcResult<{ stored: number }>> {
	const { store, fed } = deps;
	const info = store.getRoomInfo();
	if (info === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
	const rules = roomVersionRules(info.room_version);
	if (!rules) return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "Unsupported room version" };
	const byId = new Map<string, Placed>();
	for (const json of input.events) {
		const event = await toRoomEvent(JSON.parse(json) as Pdu, rules).catch(() => null);
		if (event !== null && event.room_id === info.room_id) byId.set(event.event_id, { event, json });
	}
	const sql = new BackfillStore(deps.storage.sql);
	// send_join's state, still just before our join: it moves into history, in the batch at its place,
	// and at the finish the rest (older than all history fetched) beneath it.
	const block = input.join_state === undefined ? [] : sql.joinStateBlock();
	const inBlock = new Set(block);
	// Oldest first: each event's prev and auth events are written before it.
	const batch = [...byId.values()]
		.sort((a, b) => a.event.depth - b.event.depth || (a.event.event_id < b.event.event_id ? -1 : 1))
		.filter(({ event }) => {
			const flags = fed.flags(event.event_id);
			return flags === null || flags.outlier || inBlock.has(event.event_id);
		});
	const older = input.join_state === "finish" ? block.filter((id) => !byId.has(id)) : [];
	const top = Math.min(sql.lowestPosition() ?? 1, 1) - 1;
	const positionOf = new Map(batch.map(({ event }, i) => [event.event_id, top - (batch.length - 1 - i)]));
	deps.storage.transactionSync(() => {
		older.forEach((id, j) => moveTo(fed, sql, id, top - batch.length - (older.length - 1 - j)));
	});

	const events = new StoredEvents(rules, fed);
	let stored = 0;
	for (const placed of batch) {
		const position = positionOf.get(placed.event.event_id)!;
		const done = await placeOne(deps, sql, events, placed, input.state_before[placed.event.event_id], position, now);
		if (done) stored++;
		// send_join's state keeps the state it had, but moves all the same: it must not read after newer history.
		else if (inBlock.has(placed.event.event_id)) deps.storage.transactionSync(() => moveTo(fed, sql, placed.event.event_id, position));
		events.remember(placed.event);
	}
	return { ok: true, value: { stored } };
}

function moveTo(fed: FederationStore, sql: BackfillStore, eventId: string, position: number): void {
	fed.placeAt(eventId, position);
	sql.moveMemberPosition(eventId, position);
}

/** The state before a backfilled event: none before the create event, the bridge's, or from its prev events. */
async function stateBefore(events: StoredEvents, store: RoomStore, event: RoomEvent, given: string[] | undefined): Promise<StateBefore | null> {
	if (event.prev_events.length === 0) return { state: new Map(), group: null };
	if (given !== undefined) {
		const state: StateMap = new Map();
		await events.load(given);
		for (const id of given) {
			const e = await events.get(id);
			if (e?.state_key !== undefined) state.set(stateKeyOf(e.type, e.state_key), id);
		}
		return { state, group: null };
	}
	try {
		const before = await stateBeforeEvent(events, store, event);
		return "missing" in before ? null : before;
	} catch (err) {
		if (err instanceof StateResError) return null;
		throw err;
	}
}

/** Checks 4–5 and the write of one event; true when it entered the timeline. */
async function placeOne(deps: BackfillDeps, sql: BackfillStore, events: StoredEvents, placed: Placed, given: string[] | undefined, position: number, now: number): Promise<boolean> {
	const { store, fed, writes } = deps;
	const { event, json } = placed;
	const check4 = await checkAgainstAuthEvents(events, event);
	// Without its auth events or the state before it, an event cannot be judged: left out, like a gap.
	if (check4.kind === "missing") return false;
	const before = await stateBefore(events, store, event, given);
	if (before === null) return false;
	let rejection = check4.kind === "fail" ? check4.reason : null;
	if (rejection === null) {
		const check5 = await checkAgainstState(events, event, before.state);
		if (check5.kind !== "pass") rejection = check5.kind === "fail" ? check5.reason : "state before the event is incomplete";
	}
	const known = fed.flags(event.event_id) !== null;
	// A rejected event is kept (others may cite it) but never served; one already stored stays as it is.
	if (rejection !== null && known) return false;
	deps.storage.transactionSync(() => {
		if (!known) fed.insert(newEventOf(event, json, { outlier: false, rejection_reason: rejection, soft_failed: false, received_ts: now }), position);
		else moveTo(fed, sql, event.event_id, position);
		const groups = stateGroupsOf(store, event, before, rejection !== null);
		sql.setEventState(event.event_id, groups.before, groups.after);
		if (rejection === null && event.type === "m.room.redaction" && event.redacts !== undefined) writes.insertRedaction(event.redacts, event.event_id);
	});
	return rejection === null;
}
