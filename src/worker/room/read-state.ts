// Room state as a reader may see it: GET /state, /state/{type}/{stateKey}, /members, /joined_members.
// Members see current state; former members see the state as they left it; anyone sees a world-readable
// room's current state. Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidstate

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import type { ClientEvent } from "./api";
import type { MembersRequest } from "./read-api";
import type { ReadSession } from "./read-session";
import { parseRoomToken } from "./read-token";
import { type StateMap, stateKeyOf } from "./store";

const FORBIDDEN = { ok: false, errcode: "M_FORBIDDEN", error: "You are not allowed to see this room's state" } as const;

/** State events fetched and prefetched together (bounds one statement's IN list and its recursive walk). */
const FORMAT_CHUNK = 200;

function splitKey(key: string): [string, string] {
	const i = key.indexOf("\u0000");
	return [key.slice(0, i), key.slice(i + 1)];
}

/** The full state after the event at one stream position. */
export function stateAtPosition(session: ReadSession, position: number): StateMap {
	const eventId = session.read.eventIdAt(position);
	const state = eventId === null ? null : session.read.eventState(eventId);
	return state === null ? new Map() : session.store.getStateGroup(state.state_after);
}

function currentState(session: ReadSession): StateMap {
	return new Map(session.store.getCurrentStateIds().map((e) => [stateKeyOf(e.type, e.state_key), e.event_id]));
}

/** The state this reader may see and the last position it reflects, or null if they may see none. */
export function visibleState(session: ReadSession): { state: StateMap; position: number } | null {
	if (session.membership === "join") return { state: currentState(session), position: session.info.stream_position };
	if ((session.membership === "leave" || session.membership === "ban") && session.membershipPosition !== null) {
		return { state: stateAtPosition(session, session.membershipPosition), position: session.membershipPosition };
	}
	if (session.currentVisibility() === "world_readable") return { state: currentState(session), position: session.info.stream_position };
	return null;
}

/** State events in client form, sorted by (type, state_key); `keep` limits which keys are served. */
export function formatState(session: ReadSession, state: StateMap, keep?: (type: string, stateKey: string) => boolean): ClientEvent[] {
	const kept = [...state.keys()].sort().filter((key) => {
		const [type, stateKey] = splitKey(key);
		return keep === undefined || keep(type, stateKey);
	});
	// A few queries per chunk for the events and what formatting them looks up, not a few per event.
	const out: ClientEvent[] = [];
	for (let i = 0; i < kept.length; i += FORMAT_CHUNK) {
		const ids = kept.slice(i, i + FORMAT_CHUNK).map((key) => state.get(key)!);
		const rows = session.read.events(ids);
		const found = ids.flatMap((id) => rows.get(id) ?? []);
		session.prefetch(found, false);
		for (const row of found) out.push(session.format(row, true));
	}
	return out;
}

export function readState(session: ReadSession): RpcResult<ClientEvent[]> {
	const visible = visibleState(session);
	return visible === null ? FORBIDDEN : { ok: true, value: formatState(session, visible.state) };
}

export function readStateEvent(session: ReadSession, type: string, stateKey: string): RpcResult<ClientEvent> {
	const visible = visibleState(session);
	if (visible === null) return FORBIDDEN;
	const id = visible.state.get(stateKeyOf(type, stateKey));
	const row = id === undefined ? null : session.read.event(id);
	if (row === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Event not found" };
	return { ok: true, value: session.format(row, true) };
}

export function readMembers(session: ReadSession, req: MembersRequest): RpcResult<ClientEvent[]> {
	const visible = visibleState(session);
	if (visible === null) return FORBIDDEN;
	let state = visible.state;
	if (req.at !== undefined) {
		const at = parseRoomToken(req.at);
		if (at === undefined) return { ok: false, errcode: "M_INVALID_PARAM", error: "Invalid at token" };
		// Never later than what the reader may see (a former member stays at their departure).
		state = stateAtPosition(session, Math.min(at, visible.position));
	}
	const members = formatState(session, state, (type) => type === "m.room.member").filter((ev) => {
		const m = ev.content.membership;
		// Spec: membership and not_membership together form an "or".
		const wanted = req.membership === undefined ? null : m === req.membership;
		const notExcluded = req.not_membership === undefined ? null : m !== req.not_membership;
		if (wanted === null && notExcluded === null) return true;
		return wanted === true || notExcluded === true;
	});
	return { ok: true, value: members };
}

export function readJoinedMembers(session: ReadSession): RpcResult<Record<string, JsonObject>> {
	if (session.membership !== "join" && session.currentVisibility() !== "world_readable") {
		return { ok: false, errcode: "M_FORBIDDEN", error: "You aren't a member of the room" };
	}
	const joined: Record<string, JsonObject> = {};
	for (const m of session.read.currentMembers()) {
		if (m.membership !== "join") continue;
		const row = session.read.anyEvent(m.event_id);
		const content = row === null ? {} : session.formatter.servedContent(m.event_id, row.pdu);
		const profile: JsonObject = {};
		if (typeof content.displayname === "string") profile.display_name = content.displayname;
		if (typeof content.avatar_url === "string") profile.avatar_url = content.avatar_url;
		joined[m.user_id] = profile;
	}
	return { ok: true, value: joined };
}
