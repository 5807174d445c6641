// Writing one received event with all of its bookkeeping: the exact PDU, edges, flags, state before and
// after, forward extremities, current state, member rows, redaction rows and pokes to local members.
// Callers run it inside one `transactionSync`, so an event is stored whole or not at all.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import type { RoomEvent } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { membershipOf } from "../../protocol/visibility";
import type { Membership } from "./api";
import type { FederationStore } from "./federation-store";
import type { StateBefore } from "./federation-step-5-state-before";
import type { OutboxStore } from "./outbox-store";
import { newEventOf, type RoomStore, type StateDelta, type StateMap, stateKeyOf } from "./store";
import type { WriteStore } from "./write-store";

/** Members who see new events (as in commit-event.ts). */
const POKED: readonly Membership[] = ["join", "invite", "knock"];

export interface ReceivedEvent {
	event: RoomEvent;
	/** The exact JSON received, or the redacted copy when the content hash did not match. */
	pdu_json: string;
	outlier: boolean;
	rejection: string | null;
	soft_failed: boolean;
	/** Null for outliers: we do not know the state at them. */
	before: StateBefore | null;
}

export interface PersistContext {
	store: RoomStore;
	fed: FederationStore;
	writes: WriteStore;
	outbox: OutboxStore;
	server_name: string;
	now: number;
	/** The room's new current state when this event is accepted, computed beforehand (it may need state res). */
	new_current: StateMap | null;
	/** Member events the new current state names, to update member rows. */
	member_events: ReadonlyMap<string, RoomEvent>;
}

/** The state groups before and after an event, written as deltas where they can be. */
export function stateGroupsOf(store: RoomStore, event: RoomEvent, before: StateBefore, rejected: boolean): { before: number; after: number } {
	const group = before.group ?? store.createStateGroup(null, before.state);
	// A rejected event changes no state: "the state after it is the state before it".
	if (event.state_key === undefined || rejected) return { before: group, after: group };
	return { before: group, after: store.createStateGroup(group, new Map([[stateKeyOf(event.type, event.state_key), event.event_id]])) };
}

/** Stores the event; returns its stream position (null when it is not part of the timeline). */
export function persistReceivedEvent(r: ReceivedEvent, ctx: PersistContext): number | null {
	const { store, fed, writes, event } = { ...ctx, event: r.event };
	const position = fed.insert(newEventOf(event, r.pdu_json, { outlier: r.outlier, rejection_reason: r.rejection, soft_failed: r.soft_failed, received_ts: ctx.now }));
	if (r.outlier || r.before === null) return position;

	const { before, after } = stateGroupsOf(store, event, r.before, r.rejection !== null);
	store.setEventState(event.event_id, before, after);
	if (position === null || ctx.new_current === null) return position;

	store.replaceForwardExtremities(event.prev_events, [event.event_id]);
	const delta: StateDelta = new Map();
	const old = new Map(store.getCurrentStateIds().map((e) => [stateKeyOf(e.type, e.state_key), e.event_id]));
	for (const [key, id] of ctx.new_current) if (old.get(key) !== id) delta.set(key, id);
	for (const key of old.keys()) if (!ctx.new_current.has(key)) delta.set(key, null);
	store.updateCurrentState(delta);

	const changed = new Map<string, { membership: Membership; event_id: string }>();
	for (const [key, id] of delta) {
		const member = id === null ? undefined : ctx.member_events.get(id);
		const membership = membershipOf(member?.content);
		if (!member || member.state_key === undefined || membership === null || !key.startsWith("m.room.member\u0000")) continue;
		const memberPosition = fed.flags(member.event_id)?.stream_ordering ?? position;
		writes.upsertMember({ user_id: member.state_key, membership, event_id: member.event_id, stream_ordering: memberPosition });
		changed.set(member.state_key, { membership, event_id: member.event_id });
	}
	if (event.type === "m.room.redaction" && event.redacts !== undefined) writes.insertRedaction(event.redacts, event.event_id);

	// Every local member who sees the room, plus local users whose membership this event ended.
	const targets = new Set(writes.membersWith(POKED).filter((u) => serverNameOf(u) === ctx.server_name));
	for (const user of changed.keys()) if (serverNameOf(user) === ctx.server_name) targets.add(user);
	for (const target of targets) ctx.outbox.addPoke(target, position, changed.get(target) ?? null, ctx.now);
	return position;
}
