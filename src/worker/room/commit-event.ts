// Writing one authorised local event: PDU text, edges, state group, current state, extremities, stream
// position, member row, redaction row, txn row, outbox pokes and the federation hand-off row. Callers run it inside one
// `transactionSync`, so an event is stored with all of its bookkeeping or not at all.
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus

import type { BuiltEvent } from "../../protocol/events/build-event";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import type { Membership } from "./api";
import type { MembershipChange, OutboxStore } from "./outbox-store";
import { type RoomStore, stateKeyOf } from "./store";
import type { WriteStore } from "./write-store";

const MEMBERSHIPS: readonly string[] = ["invite", "join", "knock", "leave", "ban"];
/** Members who see new events: they get a poke for every event. */
const POKED: readonly Membership[] = ["join", "invite", "knock"];

export interface CommitContext {
	store: RoomStore;
	writes: WriteStore;
	outbox: OutboxStore;
	server_name: string;
	now: number;
	txn?: { user_id: string; device_id: string; txn_id: string };
	/** The state group after an event, when the caller remembers it (it committed that event): saves a read. */
	known_state_after?: (eventId: string) => number | undefined;
}

/** Where a committed event landed: its stream position and the state group after it. */
export interface CommittedEvent {
	position: number;
	state_after: number;
}

/** The state group the next event follows: the state after the single extremity, or a snapshot of current state. */
function stateGroupBefore(ctx: CommitContext, prevEvents: readonly string[]): number {
	const { store } = ctx;
	if (prevEvents.length === 1) {
		const known = ctx.known_state_after?.(prevEvents[0]!);
		if (known !== undefined) return known;
		const state = store.getEventState(prevEvents[0]!);
		if (state) return state.state_after;
	}
	const current = new Map(store.getCurrentStateIds().map((e) => [stateKeyOf(e.type, e.state_key), e.event_id]));
	return store.createStateGroup(null, current);
}

/** Stores the event and everything that depends on it. */
export function commitLocalEvent(built: BuiltEvent, ctx: CommitContext): CommittedEvent {
	const { event } = built;
	const { store, writes } = ctx;
	const position = store.insertEvent({
		event_id: event.event_id,
		type: event.type,
		state_key: event.state_key,
		sender: event.sender,
		origin_server_ts: event.origin_server_ts,
		depth: event.depth,
		pdu: built.pdu_json,
		prev_events: event.prev_events,
		auth_events: event.auth_events,
		outlier: false,
		rejection_reason: null,
		soft_failed: false,
		received_ts: ctx.now,
	});
	if (position === null) throw new Error("a local event must get a stream position");

	const before = event.type === "m.room.create" ? store.createStateGroup(null, new Map()) : stateGroupBefore(ctx, event.prev_events);
	let after = before;
	if (event.state_key !== undefined) {
		const delta = new Map([[stateKeyOf(event.type, event.state_key), event.event_id]]);
		after = store.createStateGroup(before, delta);
		store.updateCurrentState(delta);
	}
	store.setEventState(event.event_id, before, after);
	store.replaceForwardExtremities(event.prev_events, [event.event_id]);

	let change: { user: string; change: MembershipChange } | null = null;
	const membership = event.content.membership;
	if (event.type === "m.room.member" && event.state_key !== undefined && typeof membership === "string" && MEMBERSHIPS.includes(membership)) {
		const m = membership as Membership;
		writes.upsertMember({ user_id: event.state_key, membership: m, event_id: event.event_id, stream_ordering: position });
		change = { user: event.state_key, change: { membership: m, event_id: event.event_id } };
	}
	if (event.type === "m.room.redaction" && event.redacts !== undefined) writes.insertRedaction(event.redacts, event.event_id);
	if (ctx.txn) writes.insertTxn(ctx.txn.user_id, ctx.txn.device_id, ctx.txn.txn_id, event.event_id, ctx.now);

	// Every local member who sees the room, plus a local user whose membership this event ended.
	// Remote servers hear of the event from us (its origin): those of the joined members at this point, plus
	// the server of a remote member event's target (an invitee, a kicked or banned user) so it learns too.
	// Joined members are among the poked ones, so one read serves both.
	const targets = new Set<string>();
	const servers = new Set<string>();
	for (const member of writes.membershipsOf(POKED)) {
		const server = serverNameOf(member.user_id);
		if (server === ctx.server_name) targets.add(member.user_id);
		else if (member.membership === "join" && server !== undefined) servers.add(server);
	}
	if (change) {
		const server = serverNameOf(change.user);
		if (server === ctx.server_name) targets.add(change.user);
		else if (server !== undefined) servers.add(server);
	}
	for (const target of targets) {
		ctx.outbox.addPoke(target, position, change?.user === target ? change.change : null, ctx.now);
	}
	if (servers.size > 0) ctx.outbox.addFederation(event.event_id, position, [...servers].sort(), ctx.now);
	return { position, state_after: after };
}
