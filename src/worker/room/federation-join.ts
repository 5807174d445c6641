// Creating a room here from a remote resident's send_join answer: the auth chain is stored as outliers;
// the events of the returned state enter the timeline (oldest first) with the resolved state as their
// state, so current state points at servable events and clients can read it (GET /state/{type}/{key});
// the resolved state becomes the state before our join, which follows them. The bridge already checked format, signatures and content hashes; the auth rules run here, on
// every event against its own auth events and on the join against the returned state. No network calls.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms (send_join v2: "state", "auth_chain")

import { checkAuthAgainstAuthEvents, checkStateDependentAuthRules } from "../../protocol/auth";
import type { RpcResult } from "../../protocol/errors";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { BackfillStore } from "./backfill-store";
import type { FederationStore } from "./federation-store";
import { persistReceivedEvent } from "./federation-persist";
import type { OutboxStore } from "./outbox-store";
import { RemoteInvites } from "./remote-invites";
import { newEventOf, type RoomStore, type StateMap, stateKeyOf } from "./store";
import type { WriteStore } from "./write-store";

/** What the bridge hands over after make_join/send_join and its own checks 1–3. */
export interface RemoteJoinInput {
	room_id: string;
	room_version: string;
	/** Our signed join event, exactly as sent (or as the resident returned it, countersigned). */
	join_pdu: string;
	/** The resolved state before the join, and the auth chain of it and the join: exact PDU texts. */
	state: string[];
	auth_chain: string[];
	/** The resident that answered send_join: asked first for the room's older events (backfill). */
	via?: string;
}

export interface RemoteJoinDeps {
	storage: DurableObjectStorage;
	store: RoomStore;
	fed: FederationStore;
	writes: WriteStore;
	outbox: OutboxStore;
	server_name: string;
}

const refuse = (error: string): RpcResult<never> => ({ ok: false, errcode: "M_FORBIDDEN", error });

export async function joinRemoteRoom(deps: RemoteJoinDeps, input: RemoteJoinInput, now: number): Promise<RpcResult<{ event_id: string; stream_position: number }>> {
	const rules = roomVersionRules(input.room_version);
	if (!rules) return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "Unsupported room version" };
	const { store } = deps;
	if (store.getRoomInfo() !== null) return { ok: false, errcode: "M_ROOM_IN_USE", error: "The room is already known here" };

	const byId = new Map<string, { event: RoomEvent; json: string; in_state: boolean }>();
	const state: StateMap = new Map();
	try {
		for (const [i, json] of [...input.state, ...input.auth_chain].entries()) {
			const event = await toRoomEvent(JSON.parse(json) as Pdu, rules);
			if (event.room_id !== input.room_id) return refuse("The resident returned an event of another room");
			if (event.state_key === undefined) return refuse("The resident returned a non-state event as state");
			byId.set(event.event_id, { event, json, in_state: (byId.get(event.event_id)?.in_state ?? false) || i < input.state.length });
			if (i < input.state.length) state.set(stateKeyOf(event.type, event.state_key), event.event_id);
		}
	} catch {
		return { ok: false, errcode: "M_BAD_JSON", error: "The resident returned a malformed event" };
	}
	const join = await toRoomEvent(JSON.parse(input.join_pdu) as Pdu, rules);

	// Every event must pass the auth rules against its own auth events, which must be in the answer.
	const lookup = (id: string) => {
		const e = byId.get(id);
		return e ? { event: e.event, rejected: false } : undefined;
	};
	const ordered = [...byId.values()].sort((a, b) => a.event.depth - b.event.depth);
	for (const { event } of ordered) {
		const result = await checkAuthAgainstAuthEvents(rules, event, lookup).catch(() => ({ ok: false as const, rule: "-", reason: "auth events missing from the auth chain" }));
		if (!result.ok) return refuse(`The room state did not pass the auth rules: ${result.reason}`);
	}

	const stateLookup = (type: string, stateKey: string) => {
		const id = state.get(stateKeyOf(type, stateKey));
		return id === undefined ? undefined : byId.get(id)?.event;
	};
	if (stateLookup("m.room.create", "") === undefined) return refuse("The room state has no create event");
	const own = await checkAuthAgainstAuthEvents(rules, join, lookup).catch(() => ({ ok: false as const, rule: "-", reason: "auth events missing" }));
	if (!own.ok) return refuse(`Our join did not pass the auth rules: ${own.reason}`);
	const atState = await checkStateDependentAuthRules(rules, join, stateLookup);
	if (!atState.ok) return refuse(`Our join is not allowed by the room state: ${atState.reason}`);

	const newCurrent: StateMap = new Map(state);
	newCurrent.set(stateKeyOf(join.type, join.state_key ?? ""), join.event_id);
	const memberEvents = new Map<string, RoomEvent>([[join.event_id, join]]);
	for (const id of newCurrent.values()) {
		const e = byId.get(id);
		if (e && e.event.type === "m.room.member") memberEvents.set(id, e.event);
	}
	const position = deps.outbox.transaction((fn) => deps.storage.transactionSync(fn), () => {
		// Local users' remote invites to this room had positions here already: /sync must see what follows.
		store.initRoom(input.room_id, rules.id, now, new RemoteInvites(deps.storage.sql).maxPosition());
		const before = store.createStateGroup(null, state);
		for (const { event, json, in_state } of ordered) {
			// Auth-chain-only events stay outliers. A state event is given a stream position and the resolved
			// state as its state (we know no other), so it is stored like any timeline event.
			deps.fed.insert(newEventOf(event, json, { outlier: !in_state, rejection_reason: null, soft_failed: false, received_ts: now }));
			if (in_state) store.setEventState(event.event_id, before, before);
		}
		const { storage: _s, ...ctx } = deps;
		if (input.via !== undefined) new BackfillStore(deps.storage.sql).setJoinedVia(input.via, join.event_id);
		return persistReceivedEvent(
			{ event: join, pdu_json: input.join_pdu, outlier: false, rejection: null, soft_failed: false, before: { state, group: before } },
			{ ...ctx, now, new_current: newCurrent, member_events: memberEvents },
		);
	});
	if (position === null) return { ok: false, errcode: "M_UNKNOWN", error: "The join was not stored" };
	return { ok: true, value: { event_id: join.event_id, stream_position: position } };
}
