// The RoomDO side of inbound PDUs: receipt checks 4–6 and the write, one event at a time, in the order
// the bridge gives (auth chains as outliers first, then missing prev events, then the transaction's PDUs).
// The bridge has already run checks 1–3 (format, signatures, content hash) and fetched what was missing;
// nothing here makes a network call (ARCHITECTURE.md "The path of an encrypted message", step 6).
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import type { RpcResult } from "../../protocol/errors";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { StateResError } from "../../protocol/state-res";
import { StoredEventMemo, StoredEvents } from "./federation-events";
import { type PersistContext, persistReceivedEvent, type ReceivedEvent } from "./federation-persist";
import type { FederationStore } from "./federation-store";
import { checkAgainstAuthEvents } from "./federation-step-4-auth-events";
import { checkAgainstState, resolveMaps, type StateBefore, stateAfter, stateBeforeEvent } from "./federation-step-5-state-before";
import { currentStateMap, sameIds, stateAtTip } from "./federation-step-6-soft-fail";
import type { OutboxStore } from "./outbox-store";
import { SerialQueue } from "./serial-queue";
import type { RoomStore, StateMap } from "./store";
import type { WriteStore } from "./write-store";

export interface RemoteEventInput {
	/** The PDU as received (or the bridge's redacted copy after a content-hash mismatch). */
	pdu_json: string;
	/** Auth-chain events fetched to check others: stored without state, outside the timeline. */
	outlier: boolean;
}

export type IngestStatus = "accepted" | "soft_failed" | "rejected" | "known" | "error";

export interface IngestOutcome {
	event_id: string;
	status: IngestStatus;
	reason?: string;
}

export interface IngestDeps {
	storage: DurableObjectStorage;
	store: RoomStore;
	fed: FederationStore;
	writes: WriteStore;
	outbox: OutboxStore;
	server_name: () => string;
	scheduleDrain: () => Promise<void>;
}

/** How often the commit re-plans when a local send moved the extremities while this event was being checked. */
const MAX_REPLANS = 3;

export class FederationIngest {
	private readonly queue = new SerialQueue();
	/** The auth events every PDU cites, parsed once for the life of this object. */
	private readonly memo = new StoredEventMemo();

	constructor(private readonly deps: IngestDeps) {}

	ingest(inputs: readonly RemoteEventInput[], now: number): Promise<RpcResult<IngestOutcome[]>> {
		return this.queue.run(() => this.run(inputs, now));
	}

	/** Another write of received events (backfill) in the same queue, so it never interleaves with ingest. */
	exclusive<T>(step: () => Promise<T>): Promise<T> {
		return this.queue.run(step);
	}

	private async run(inputs: readonly RemoteEventInput[], now: number): Promise<RpcResult<IngestOutcome[]>> {
		const info = this.deps.store.getRoomInfo();
		if (info === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		const rules = roomVersionRules(info.room_version);
		if (!rules) return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "Unsupported room version" };
		const events = new StoredEvents(rules, this.deps.fed, this.memo);
		const outcomes: IngestOutcome[] = [];
		let poked = false;
		for (const input of inputs) {
			let event: RoomEvent;
			try {
				event = await toRoomEvent(JSON.parse(input.pdu_json) as Pdu, rules);
			} catch {
				outcomes.push({ event_id: "", status: "error", reason: "malformed event" });
				continue;
			}
			if (event.room_id !== info.room_id) {
				outcomes.push({ event_id: event.event_id, status: "error", reason: "event is for another room" });
				continue;
			}
			try {
				const outcome = await this.one(events, event, input, now);
				if (outcome.status === "accepted") poked = true;
				outcomes.push(outcome);
			} catch (err) {
				if (!(err instanceof StateResError)) throw err;
				outcomes.push({ event_id: event.event_id, status: "error", reason: err.message });
			}
		}
		if (poked) await this.deps.scheduleDrain();
		return { ok: true, value: outcomes };
	}

	private async one(events: StoredEvents, event: RoomEvent, input: RemoteEventInput, now: number): Promise<IngestOutcome> {
		const { store, fed } = this.deps;
		const id = event.event_id;
		// A retried or duplicated event changes nothing.
		if (fed.flags(id) !== null) return { event_id: id, status: "known" };

		const check4 = await checkAgainstAuthEvents(events, event);
		if (check4.kind === "missing") return { event_id: id, status: "error", reason: `missing auth events: ${check4.eventIds.join(", ")}` };
		const received: ReceivedEvent = { event, pdu_json: input.pdu_json, outlier: input.outlier, rejection: null, soft_failed: false, before: null };
		if (check4.kind === "fail") received.rejection = check4.reason;
		if (input.outlier) return this.commit(received, events, now, null, null);

		const tip = stateAtTip(store, event);
		const before = tip ?? (await stateBeforeEvent(events, store, event));
		if ("missing" in before) return { event_id: id, status: "error", reason: `no state at prev events: ${before.missing.join(", ")}` };
		received.before = before;
		if (received.rejection !== null) return this.commit(received, events, now, null, null);

		const check5 = await checkAgainstState(events, event, before.state);
		if (check5.kind !== "pass") {
			received.rejection = check5.kind === "fail" ? check5.reason : "state before the event is incomplete";
			return this.commit(received, events, now, null, null);
		}
		// At the tip, and no other write moved it while check 5 awaited: current state is the state before the
		// event, so check 6 would repeat check 5, and the event's state after is the new current state.
		if (tip !== null && sameIds(store.getForwardExtremities(), tip.extremities)) return this.commit(received, events, now, stateAfter(event, before), tip.state);
		const check6 = await checkAgainstState(events, event, currentStateMap(store));
		if (check6.kind !== "pass") {
			received.soft_failed = true;
			return this.commit(received, events, now, null, null);
		}
		for (let attempt = 0; ; attempt++) {
			const extremities = store.getForwardExtremities();
			const plan = await this.newCurrentState(events, event, before, extremities);
			// Nothing may have moved the extremities while state res awaited; if a local send did, plan again.
			if (attempt < MAX_REPLANS && store.getForwardExtremities().join() !== extremities.join()) continue;
			return this.commit(received, events, now, plan, null);
		}
	}

	/** Current state once `event` is an extremity: its state after, resolved with the other extremities' states. */
	private async newCurrentState(events: StoredEvents, event: RoomEvent, before: StateBefore, extremities: readonly string[]): Promise<StateMap> {
		const after = stateAfter(event, before);
		const others = extremities.filter((x) => !event.prev_events.includes(x));
		const states = others.flatMap((x) => {
			const at = this.deps.store.getEventState(x);
			return at === null ? [] : [this.deps.store.getStateGroup(at.state_after)];
		});
		if (states.length === 0) return after;
		events.remember(event);
		return resolveMaps(events, [after, ...states]);
	}

	/** `current`: the room's current state when the caller just read it (else it is read here). */
	private async commit(r: ReceivedEvent, events: StoredEvents, now: number, newCurrent: StateMap | null, current: StateMap | null): Promise<IngestOutcome> {
		const memberEvents = new Map<string, RoomEvent>();
		if (newCurrent !== null) {
			events.remember(r.event);
			current ??= currentStateMap(this.deps.store);
			for (const [key, id] of newCurrent) {
				// Only members whose row changes: parsing every member of a large room per event would be waste.
				if (!key.startsWith("m.room.member\u0000") || current.get(key) === id) continue;
				const member = await events.get(id);
				if (member) memberEvents.set(id, member);
			}
		}
		const { store, fed, writes, outbox } = this.deps;
		const ctx: PersistContext = { store, fed, writes, outbox, server_name: this.deps.server_name(), now, new_current: newCurrent, member_events: memberEvents };
		outbox.transaction((fn) => this.deps.storage.transactionSync(fn), () => persistReceivedEvent(r, ctx));
		events.remember(r.event);
		const status = r.rejection !== null ? "rejected" : r.soft_failed ? "soft_failed" : "accepted";
		return { event_id: r.event.event_id, status, ...(r.rejection !== null ? { reason: r.rejection } : {}) };
	}
}
