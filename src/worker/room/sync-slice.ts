// SyncRoomApi.getSyncSlice: what /sync shows of one room to one user since a room position.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync (rooms.join/invite/leave),
// https://spec.matrix.org/latest/client-server-api/#lazy-loading-room-members, and matrix-js-sdk's
// org.matrix.msc4222.use_state_after (state after the timeline instead of before it).

import { toStrippedState } from "../../protocol/events/client-event";
import type { JsonObject } from "../../protocol/events/pdu";
import type { ClientEvent, StrippedStateEvent, SyncSlice } from "./api";
import type { SyncSliceReadRequest } from "./read-api";
import { scanVisible } from "./read-scan";
import type { ReadSession } from "./read-session";
import { formatState, stateAtPosition } from "./read-state";
import { formatRoomToken } from "./read-token";
import { type StateMap, stateKeyOf } from "./store";
import { STRIPPED_TYPES } from "./stripped-state";

/** Spec: heroes are "the users which can be used to generate a room name"; Synapse and the spec's example use 5. */
const MAX_HEROES = 5;
/** Events looked at when asking "is there anything older?" before answering `limited: true` anyway. */
const LIMITED_PROBE_BUDGET = 500;

export function emptySlice(position: number): SyncSlice {
	return { membership: null, position, timeline: [], limited: false, prev_batch: formatRoomToken(position), state: [] };
}

export function getSyncSlice(session: ReadSession, req: SyncSliceReadRequest): SyncSlice {
	const position = session.info.stream_position;
	const membership = session.membership;
	if (membership === null) return emptySlice(position);
	if (membership === "invite" || membership === "knock") {
		return { ...emptySlice(position), membership, stripped_state: strippedState(session) };
	}
	// A former member's timeline ends with their departure.
	const upper = membership === "join" || session.membershipPosition === null ? position : Math.min(session.membershipPosition, position);
	// An initial sync's timeline may reach into backfilled history (below zero); an incremental one never does.
	const lower = req.since ?? session.read.floor();
	if (req.since !== null && req.since >= upper && !req.full_state) {
		return { membership, position, timeline: [], limited: false, prev_batch: formatRoomToken(upper), state: [], ...summaryFor(session, membership) };
	}
	const limit = Math.max(0, req.timeline_limit);
	const scan = limit > 0 ? scanVisible(session, { from: upper, dir: "b", bound: lower, limit }) : { rows: [], next: upper, exhausted: false };
	const rows = scan.rows.reverse();
	let limited = false;
	if (!scan.exhausted) {
		const probe = scanVisible(session, { from: scan.next, dir: "b", bound: lower, limit: 1, budget: LIMITED_PROBE_BUDGET });
		limited = probe.rows.length > 0 || !probe.exhausted;
	}
	const first = rows[0];
	const timeline: ClientEvent[] = rows.map((r) => session.format(r, false));
	const summary = summaryFor(session, membership);
	if (unchangedSince(session, req, first?.event_id ?? null, upper)) {
		return { membership, position, timeline, limited, prev_batch: formatRoomToken(first === undefined ? upper : first.stream_ordering - 1), state: [], ...summary };
	}

	// `state` is the state at the start of the timeline (or, with use_state_after, at its end).
	const startState = first === undefined ? null : session.read.eventState(first.event_id);
	const target: StateMap =
		req.use_state_after || startState === null ? stateAtPosition(session, upper) : session.store.getStateGroup(startState.state_before);
	// A room the user was not joined to at `since` (they were invited, or left and came back) is new to the
	// client's timeline, so it gets the full state: the delta alone would miss e.g. m.room.encryption.
	const sinceState: StateMap = req.since === null || req.full_state ? new Map() : stateAtPosition(session, req.since);
	const base = joinedIn(session, sinceState, req.user_id) ? sinceState : new Map<string, string>();
	const inTimeline = new Set(rows.map((r) => r.event_id));
	const senders = new Set(rows.map((r) => r.sender));
	senders.add(req.user_id);
	// Clients name an unnamed room after its heroes, so a lazy initial sync includes their member events.
	const unnamed = session.currentStateId("m.room.name", "") === null && session.currentStateId("m.room.canonical_alias", "") === null;
	if (req.since === null && unnamed) for (const hero of (summary.summary?.["m.heroes"] as string[] | undefined) ?? heroesOf(session)) senders.add(hero);
	const state = formatState(session, target, (type, stateKey) => {
		const id = target.get(stateKeyOf(type, stateKey));
		if (id === undefined || (!req.use_state_after && inTimeline.has(id))) return false;
		if (req.lazy_load_members && type === "m.room.member") {
			// Lazy loading: only the members the timeline shows (and the reader), whether or not they changed.
			return senders.has(stateKey) && !inTimeline.has(id);
		}
		return base.get(stateKeyOf(type, stateKey)) !== id;
	});
	return {
		membership,
		position,
		timeline,
		limited,
		prev_batch: formatRoomToken(first === undefined ? upper : first.stream_ordering - 1),
		state,
		...summary,
	};
}

/**
 * Whether an incremental slice's state section is empty without building either state: the reader was
 * joined at `since` (so the section is a delta) and the state at the timeline's start is the very state
 * group that held at `since` (no state event, local or merged from another branch, came between). Lazy
 * loading still lists the timeline's senders, and state_after ends elsewhere, so both take the full path.
 */
function unchangedSince(session: ReadSession, req: SyncSliceReadRequest, firstEventId: string | null, upper: number): boolean {
	if (req.since === null || req.full_state || req.use_state_after || req.lazy_load_members || session.membership !== "join") return false;
	const atSince = session.read.eventIdAt(req.since);
	const sinceGroup = atSince === null ? null : (session.read.eventState(atSince)?.state_after ?? null);
	// Joined in the state at `since` (else the section is the full state: joinedIn below).
	if (sinceGroup === null || session.read.stateAt(sinceGroup, "m.room.member", req.user_id, "$.content.membership")?.value !== "join") return false;
	if (firstEventId !== null) return session.read.eventState(firstEventId)?.state_before === sinceGroup;
	const atUpper = session.read.eventIdAt(upper);
	return atUpper !== null && session.read.eventState(atUpper)?.state_after === sinceGroup;
}

function joinedIn(session: ReadSession, state: StateMap, userId: string): boolean {
	const id = state.get(stateKeyOf("m.room.member", userId));
	const row = id === undefined ? null : session.read.anyEvent(id);
	return row !== null && (JSON.parse(row.pdu) as { content?: { membership?: unknown } }).content?.membership === "join";
}

/** The invitee's (or knocker's) view: a few stripped state events plus their own member event. */
function strippedState(session: ReadSession): StrippedStateEvent[] {
	const out: StrippedStateEvent[] = [];
	for (const entry of session.store.getCurrentStateIds()) {
		const wanted = STRIPPED_TYPES.includes(entry.type) || (entry.type === "m.room.member" && entry.state_key === session.reader.user_id);
		if (!wanted) continue;
		const row = session.read.anyEvent(entry.event_id);
		if (row === null) continue;
		const pdu = JSON.parse(row.pdu) as JsonObject;
		out.push(toStrippedState({ ...pdu, content: session.formatter.servedContent(row.event_id, row.pdu) }));
	}
	return out;
}

/** Other joined or invited users in the order they became members; if none, those who left. */
function heroesOf(session: ReadSession, all = session.read.currentMembers()): string[] {
	const members = all.filter((m) => m.user_id !== session.reader.user_id);
	const active = members.filter((m) => m.membership === "join" || m.membership === "invite");
	return (active.length > 0 ? active : members).slice(0, MAX_HEROES).map((m) => m.user_id);
}

function summaryFor(session: ReadSession, membership: string): { summary?: JsonObject } {
	if (membership !== "join") return {};
	const members = session.read.currentMembers();
	return {
		summary: {
			"m.heroes": heroesOf(session, members),
			"m.joined_member_count": members.filter((m) => m.membership === "join").length,
			"m.invited_member_count": members.filter((m) => m.membership === "invite").length,
		},
	};
}
