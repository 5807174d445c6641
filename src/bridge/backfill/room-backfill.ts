// When we ask other servers for a room's older events: right after a remote join (the recent history
// before our join, from the resident that let us in), and when a local reader's /messages reaches the
// oldest event the room holds (one request to a server in the room, the one we joined through first).
// Either way bounded in events and time; a failure only means less history, never an error to a client.
// Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events

import type { Config } from "../../platform/config";
import { log } from "../../platform/log";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { federationPortFor, type FederationClientEnv } from "../client/federation-client";
import { keysWithOurOwn } from "../keys/own-key-source";
import { fetchHistory, type HistoryDeps, type HistoryRound } from "./fetch-history";

/** Events asked for after a join (our /backfill serves at most 100), and for one /messages page. */
export const JOIN_BACKFILL_LIMIT = 100;
export const READ_BACKFILL_LIMIT = 50;
/** Rounds right after a join: history up to 200 events reads in topological order with send_join's state. */
export const JOIN_ROUNDS = 2;
/** The whole round's time: a join or a /messages page waits at most this long for history. */
export const BACKFILL_TIMEOUT_MS = 5_000;

export type BackfillEnv = FederationClientEnv & Pick<Env, "ROOM">;

function depsFor(env: BackfillEnv, config: Config, roomId: string) {
	return { port: federationPortFor(env, config), keys: keysWithOurOwn(env, config), room: env.ROOM.getByName(roomId) };
}

/** One round; a failure is logged (IDs and counts only) and reads as "no answer". */
async function round(deps: HistoryDeps, r: HistoryRound, why: "join" | "read"): Promise<number | null> {
	const started = Date.now();
	const stored = await fetchHistory(deps, r).catch((err: unknown) => {
		log.warn("backfill_failed", { room_id: r.room_id, server: r.server, why, error: err });
		return null;
	});
	log.info("backfill_round", { room_id: r.room_id, server: r.server, why, stored, ms: Date.now() - started });
	return stored;
}

/**
 * After our join through `server` was stored, before its reply: the history before it, from the join's prev
 * events, in up to JOIN_ROUNDS rounds; then send_join's state not met in that history moves beneath it, so
 * the room reads in topological order from the start (a room with a longer history is the exception).
 */
export async function backfillAfterJoin(env: BackfillEnv, config: Config, server: string, roomId: string, roomVersion: string, joinPrevEvents: readonly string[]): Promise<number> {
	const rules = roomVersionRules(roomVersion);
	const deps = depsFor(env, config, roomId);
	const deadline = Date.now() + BACKFILL_TIMEOUT_MS;
	let from = joinPrevEvents.slice(0, 5);
	let total = 0;
	try {
		for (let i = 0; rules && from.length > 0 && i < JOIN_ROUNDS && Date.now() < deadline; i++) {
			const stored = await round(deps, { room_id: roomId, rules, server, from, limit: JOIN_BACKFILL_LIMIT, deadline, join_state: "place" }, "join");
			if (!stored) break;
			total += stored;
			// Where history continues, if the room does not hold its creation yet.
			from = (await deps.room.backfillPoints())?.from ?? [];
		}
		await deps.room.storeBackfill({ events: [], state_before: {}, join_state: "finish" }, Date.now());
	} catch (err) {
		// The join itself is stored: less history is no reason to fail it.
		log.warn("backfill_failed", { room_id: roomId, server, why: "join", error: err });
	}
	return total;
}

/** For /messages at the room's oldest event: one round from the best server; the events stored (null: none asked). */
export async function backfillForReader(env: BackfillEnv, config: Config, roomId: string): Promise<number | null> {
	const deps = depsFor(env, config, roomId);
	const points = await deps.room.backfillPoints();
	const rules = points === null ? undefined : roomVersionRules(points.room_version);
	if (points === null || !rules) return null;
	const r = { room_id: roomId, rules, server: points.servers[0]!, from: points.from, limit: READ_BACKFILL_LIMIT, deadline: Date.now() + BACKFILL_TIMEOUT_MS };
	const stored = await round(deps, r, "read");
	// Nothing new: do not ask about the same events again at once; no answer: ask another server next time.
	if (stored === null || stored === 0) await deps.room.noteBackfillFutile(points.from, r.server, stored !== null);
	return stored ?? 0;
}
