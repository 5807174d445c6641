// One round of outbound backfill: `GET /backfill` from a server in the room, checks 1–3 on every event
// (the inbound path's checks, reused), the state before the oldest events through `GET /state` when the
// room holds none there, and their missing auth events through `GET /event_auth`; then the RoomDO runs
// checks 4–5 and stores the events as history (worker/room/federation-backfill.ts). Bounded in events,
// requests and time: the caller's deadline covers the whole round.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1backfillroomid,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1stateroomid

import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import type { RoomDO } from "../../worker/room/room-do";
import type { FederationPort } from "../client/federation-port";
import { type CheckedEvent, checkFetched } from "../inbound/fetch-missing";
import { arrayField } from "../inbound/remote-source";
import type { KeySource } from "../inbound/step-2-signatures";

/** Oldest events whose state we fetch per round, and the auth-chain fetches for events lacking auth events. */
const MAX_STATE_FETCHES = 2;
const MAX_AUTH_FETCHES = 2;
/** A room's state may be large; the events we check from one /state answer (state and auth chain each). */
const MAX_STATE_EVENTS = 2_000;
/** Outliers handed to the room per call, so one RPC stays small. */
const OUTLIER_CHUNK = 200;

export interface HistoryRound {
	room_id: string;
	rules: RoomVersionRules;
	server: string;
	/** The `v` values: events the room lacks, to walk back from (they are included in the answer). */
	from: readonly string[];
	limit: number;
	deadline: number;
	/** Right after our join: send_join's state moves into history (worker/room/federation-backfill.ts). */
	join_state?: "place";
}

export interface HistoryDeps {
	port: FederationPort;
	keys: KeySource;
	room: DurableObjectStub<RoomDO>;
}

const enc = encodeURIComponent;

async function getArray(deps: HistoryDeps, server: string, path: string, fields: readonly string[], deadline: number): Promise<unknown[][] | null> {
	const timeoutMs = deadline - Date.now();
	if (timeoutMs <= 0) return null;
	const res = await deps.port.request(server, "GET", path, undefined, { timeoutMs });
	return res.ok ? fields.map((f) => arrayField(res.body, f)) : null;
}

/** Hands events the room lacks to it as outliers (auth-chain events: stored without state), oldest first. */
async function storeOutliers(deps: HistoryDeps, events: readonly CheckedEvent[]): Promise<void> {
	const lacking = new Set((await deps.room.federationMissing(events.map((e) => e.event.event_id))).missing);
	const todo = [...new Map(events.filter((e) => lacking.has(e.event.event_id)).map((e) => [e.event.event_id, e])).values()];
	todo.sort((a, b) => a.event.depth - b.event.depth);
	for (let i = 0; i < todo.length; i += OUTLIER_CHUNK) {
		await deps.room.ingestRemoteEvents(
			todo.slice(i, i + OUTLIER_CHUNK).map((e) => ({ pdu_json: e.pdu_json, outlier: true })),
			Date.now(),
		);
	}
}

/** The events stored as history this round, or null when the remote gave no usable answer. */
export async function fetchHistory(deps: HistoryDeps, round: HistoryRound): Promise<number | null> {
	const { room_id: roomId, rules } = round;
	const query = [...round.from.map((v) => `v=${enc(v)}`), `limit=${round.limit}`].join("&");
	const answer = await getArray(deps, round.server, `/_matrix/federation/v1/backfill/${enc(roomId)}?${query}`, ["pdus"], round.deadline);
	if (answer === null) return null;
	const batch = await checkFetched(answer[0]!, rules, roomId, deps.keys, round.limit);
	if (batch.length === 0) return 0;
	const inBatch = new Set(batch.map((c) => c.event.event_id));

	// The oldest events: prev events outside the batch at which the room knows no state.
	const outside = [...new Set(batch.flatMap((c) => c.event.prev_events).filter((id) => !inBatch.has(id)))];
	const gaps = outside.length === 0 ? { missing: [], without_state: [] } : await deps.room.federationMissing(outside);
	const stateless = new Set([...gaps.missing, ...gaps.without_state]);
	const roots = batch
		.filter((c) => c.event.prev_events.some((id) => stateless.has(id)))
		.sort((a, b) => b.event.depth - a.event.depth)
		.slice(0, MAX_STATE_FETCHES);
	const stateBefore: Record<string, string[]> = {};
	for (const root of roots) {
		const id = root.event.event_id;
		const got = await getArray(deps, round.server, `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(id)}`, ["pdus", "auth_chain"], round.deadline);
		if (got === null) continue;
		const state = await checkFetched(got[0]!, rules, roomId, deps.keys, MAX_STATE_EVENTS);
		const chain = await checkFetched(got[1]!, rules, roomId, deps.keys, MAX_STATE_EVENTS);
		await storeOutliers(deps, [...chain, ...state]);
		stateBefore[id] = state.map((s) => s.event.event_id);
	}

	// Auth events neither in the batch nor held by the room (say, a former member's join): their chains.
	const authOutside = [...new Set(batch.flatMap((c) => c.event.auth_events).filter((id) => !inBatch.has(id)))];
	const authMissing = new Set(authOutside.length === 0 ? [] : (await deps.room.federationMissing(authOutside)).missing);
	const needAuth = batch.filter((c) => c.event.auth_events.some((id) => authMissing.has(id))).slice(0, MAX_AUTH_FETCHES);
	for (const c of needAuth) {
		const got = await getArray(deps, round.server, `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(c.event.event_id)}`, ["auth_chain"], round.deadline);
		if (got !== null) await storeOutliers(deps, await checkFetched(got[0]!, rules, roomId, deps.keys, MAX_STATE_EVENTS));
	}

	const input = { events: batch.map((c) => c.pdu_json), state_before: stateBefore, ...(round.join_state === undefined ? {} : { join_state: round.join_state }) };
	const stored = await deps.room.storeBackfill(input, Date.now());
	return stored.ok ? stored.value.stored : null;
}
