// Pulls the rooms a /sync must show: a timeline slice from each updated room's RoomDO and the ephemeral
// events (typing, receipts) of joined rooms, then logs the positions it reached so the next token starts
// exactly there. Pokes that land while slices are fetched are picked up in the same response, so the
// returned `mark` covers every poke at or below it (nothing is skipped, nothing shown twice).
// Spec: https://spec.matrix.org/latest/client-server-api/#syncing

import { log } from "../../../platform/log";
import type { SyncSlice, SyncSliceRequest } from "../../room/api";
import type { RpcResult } from "../../../protocol/errors";
import type { RoomStreamKind, SyncStore } from "./stream-store";
import type { InitialSliceCache, SliceWithEphemeral } from "./initial-slice-cache";
import type { EphemeralSlice } from "./types";
import type { PendingPoke } from "./pending-pokes";

/**
 * A room as /sync talks to it: SyncRoomApi's slice (plus the reading device, for `transaction_id`) and the
 * ephemeral events, both as JSON text (RPC's mapping of recursive JSON types is too deep to type-check).
 */
export interface SyncRoomStub {
	getSyncSliceJson(request: SyncSliceRequest & { device_id?: string }): Promise<RpcResult<string>>;
	/** The slice plus, for a joined reader, the ephemeral events from scratch: `{ slice, ephemeral | null }`. */
	getSyncSliceWithEphemeralJson(request: SyncSliceRequest & { device_id?: string }): Promise<RpcResult<string>>;
	/** With `pushRules` (a rules digest) the answer carries the reader's unread counts too. */
	getEphemeralJson(userId: string, since: number | null, pushRules?: string, threads?: boolean): Promise<RpcResult<string>>;
}

export interface FetchPlan {
	/** The user-stream position of the `since` token; null for an initial sync. */
	sinceSeq: number | null;
	/** Refresh every known room (initial sync or full_state). */
	everything: boolean;
	fullState: boolean;
	roomAllowed(roomId: string): boolean;
	sliceRequest(roomId: string, since: number | null): SyncSliceRequest & { device_id: string };
	/** The user's push rules digest and thread-count wish, for unread counts with ephemeral fetches. */
	unread?: { push_rules: string; threads: boolean };
	/** Joined rooms' initial answers that still stand need no call (initial-slice-cache.ts). */
	initialSlices?: { cache: InitialSliceCache; now: number };
	/** Pokes announced but not yet logged (pending-pokes.ts): rows of the log that have no seq yet. */
	pending?: () => PendingPoke[];
	/** A room position the `since` token saw beyond its user-stream position (sync-token.ts `ahead`), or null. */
	sinceAhead?: (roomId: string, kind: RoomStreamKind) => number | null;
	/** Shows a fetched position in the token instead of logging it, when a pending poke will log it; true if so. */
	showAhead?: (roomId: string, kind: RoomStreamKind, position: number) => boolean;
	/** Called as a room's fetch starts, so a pending poke of it can wait for this answer (pending-pokes.ts). */
	reading?: (roomId: string, kind: RoomStreamKind) => void;
	/** The sync logged this position itself: a pending poke it covers is no longer news (pending-pokes.ts). */
	logged?: (roomId: string, kind: RoomStreamKind, position: number) => void;
}

export interface Fetched<T> {
	/** The room position the client had (null: the room is new to it). */
	since: number | null;
	slice: T;
}

export interface FetchedRooms {
	slices: Map<string, Fetched<SyncSlice>>;
	ephemeral: Map<string, Fetched<EphemeralSlice>>;
	/** The user-stream position this response covers: the next token's `user` part. */
	mark: number;
}

/** Rounds of "fetch, then look for pokes that arrived meanwhile" before we settle. */
const MAX_ROUNDS = 5;

async function fetchAll<T>(rooms: Iterable<[string, number | null]>, get: (roomId: string, since: number | null) => Promise<T | null>) {
	const entries = [...rooms];
	const results = await Promise.all(entries.map(([roomId, since]) => get(roomId, since)));
	const out = new Map<string, Fetched<T>>();
	entries.forEach(([roomId, since], i) => {
		const slice = results[i];
		if (slice !== null && slice !== undefined) out.set(roomId, { since, slice });
	});
	return out;
}

export async function fetchRooms(store: SyncStore, room: (roomId: string) => SyncRoomStub, userId: string, plan: FetchPlan): Promise<FetchedRooms> {
	const slices = new Map<string, Fetched<SyncSlice>>();
	const ephemeral = new Map<string, Fetched<EphemeralSlice>>();
	let mark = store.currentSeq();
	const aheadOf = (roomId: string, kind: RoomStreamKind) => plan.sinceAhead?.(roomId, kind) ?? null;
	const sinceOf = (roomId: string, kind: RoomStreamKind): number | null => {
		if (plan.sinceSeq === null || (plan.everything && kind === "timeline" && !plan.fullState)) return null;
		const logged = store.positionAt(roomId, kind, plan.sinceSeq);
		const ahead = aheadOf(roomId, kind);
		return ahead === null || (logged !== null && logged >= ahead) ? logged : ahead;
	};

	const unlogged = () => plan.pending?.() ?? [];
	let pendingTimeline = new Set<string>();
	let pendingEphemeral = new Set<string>();
	if (plan.everything) {
		for (const r of store.allRooms()) pendingTimeline.add(r);
		for (const p of unlogged()) if (p.kind === "timeline") pendingTimeline.add(p.room_id);
	} else if (plan.sinceSeq !== null) {
		for (const row of [...store.rowsBetween(plan.sinceSeq, mark), ...unlogged()]) {
			// A position the token saw ahead of its user stream is no news.
			const ahead = aheadOf(row.room_id, row.kind);
			if (ahead !== null && ahead >= row.position) continue;
			(row.kind === "timeline" ? pendingTimeline : pendingEphemeral).add(row.room_id);
		}
	}
	/** Logs the position a slice reached, unless the log has it or the token will show it ahead of the log. */
	const record = (roomId: string, kind: RoomStreamKind, position: number) => {
		if (plan.showAhead?.(roomId, kind, position) === true) return;
		store.logPosition(roomId, kind, position);
		plan.logged?.(roomId, kind, position);
	};

	/** Rooms this round answered from plan.initialSlices (timeline and ephemeral): their positions are logged already. */
	let reused = new Set<string>();
	/** Ephemeral slices (from scratch) that came with this round's timeline slices. */
	let withSlice = new Map<string, EphemeralSlice>();
	const getSlice = async (roomId: string, since: number | null): Promise<SyncSlice | null> => {
		reused.delete(roomId);
		try {
			const stub = room(roomId);
			const request = plan.sliceRequest(roomId, since);
			// A room new to the client (or a full refresh) also shows its typing and receipts from scratch:
			// one round trip fetches both, which halves the calls of an initial sync.
			if (since === null || plan.everything) {
				const reuse = request.since === null ? plan.initialSlices : undefined;
				const logged = reuse === undefined ? null : store.latestPositions(roomId);
				// A poke not logged yet means the room moved: the remembered answer no longer stands.
				const moved = unlogged().some((p) => p.room_id === roomId);
				const kept = moved ? null : (reuse?.cache.get(roomId, request, reuse.now, (_room, kind) => logged![kind]) ?? null);
				if (kept !== null) {
					withSlice.set(roomId, kept.ephemeral!);
					// Both positions are logged already: that is what made the answer stand.
					reused.add(roomId);
					return kept.slice;
				}
				const result = await stub.getSyncSliceWithEphemeralJson(request);
				if (result.ok) {
					const both = JSON.parse(result.value) as SliceWithEphemeral;
					if (both.ephemeral !== null) withSlice.set(roomId, both.ephemeral);
					reuse?.cache.put(roomId, request, both, result.value.length, reuse.now);
					return both.slice;
				}
				log.warn("sync_slice_refused", { room_id: roomId, errcode: result.errcode });
				return null;
			}
			const result = await stub.getSyncSliceJson(request);
			if (result.ok) return JSON.parse(result.value) as SyncSlice;
			log.warn("sync_slice_refused", { room_id: roomId, errcode: result.errcode });
		} catch (err) {
			log.error("sync_slice_failed", { room_id: roomId, error: err });
		}
		return null;
	};
	const getEphemeral = async (roomId: string, since: number | null): Promise<EphemeralSlice | null> => {
		try {
			const result = await room(roomId).getEphemeralJson(userId, since, plan.unread?.push_rules, plan.unread?.threads);
			if (result.ok) return JSON.parse(result.value) as EphemeralSlice;
		} catch (err) {
			log.error("sync_ephemeral_failed", { room_id: roomId, error: err });
		}
		return null;
	};

	/** Whether this client (at room position `since`) has not yet seen the user joined. */
	const joinedAfter = (roomId: string, since: number): boolean => {
		const seen = store.getMembership(roomId);
		return seen === null || seen.membership !== "join" || seen.observed_position > since;
	};

	for (let round = 0; round < MAX_ROUNDS; round++) {
		withSlice = new Map();
		reused = new Set();
		for (const r of pendingTimeline) plan.reading?.(r, "timeline");
		for (const r of pendingEphemeral) plan.reading?.(r, "ephemeral");
		const timeline = await fetchAll(
			[...pendingTimeline].filter(plan.roomAllowed).map((r): [string, number | null] => [r, sinceOf(r, "timeline")]),
			getSlice,
		);
		// Spec: a room the user newly joined comes with its full state, so a join seen for the first time
		// since the client's token is fetched again as an initial slice.
		const newlyJoined = [...timeline].filter(([roomId, f]) => f.since !== null && f.slice.membership === "join" && joinedAfter(roomId, f.since));
		for (const [roomId, f] of await fetchAll(newlyJoined.map(([r]): [string, number | null] => [r, null]), getSlice)) timeline.set(roomId, f);
		for (const [roomId, f] of timeline) {
			slices.set(roomId, f);
			// A room new to this client (or a full refresh) shows its typing and receipts from scratch.
			if (f.slice.membership === "join" && (f.since === null || plan.everything)) pendingEphemeral.add(roomId);
		}
		const joined = (roomId: string) =>
			(slices.get(roomId)?.slice.membership ?? store.getMembership(roomId)?.membership) === "join";
		const eph = await fetchAll(
			[...pendingEphemeral]
				.filter((r) => plan.roomAllowed(r) && joined(r))
				.map((r): [string, number | null] => [r, slices.get(r)?.since === null || plan.everything ? null : sinceOf(r, "ephemeral")]),
			(roomId, since) => {
				const fetched = since === null ? withSlice.get(roomId) : undefined;
				return fetched === undefined ? getEphemeral(roomId, since) : Promise.resolve(fetched);
			},
		);
		for (const [roomId, f] of eph) ephemeral.set(roomId, f);

		// From here to the end of the round nothing awaits: the log and `mark` move together.
		for (const [roomId, f] of timeline) if (!reused.has(roomId)) record(roomId, "timeline", f.slice.position);
		for (const [roomId, f] of eph) if (!reused.has(roomId)) record(roomId, "ephemeral", f.slice.position);
		const end = store.currentSeq();
		pendingTimeline = new Set();
		pendingEphemeral = new Set();
		let firstUncovered: number | null = null;
		let unloggedUncovered = false;
		// Unlogged pokes (seq null) will be logged past `end`, so they need another round but move no mark.
		for (const row of [...store.rowsBetween(mark, end), ...unlogged().map((p) => ({ ...p, seq: null }))]) {
			if (!plan.roomAllowed(row.room_id)) continue;
			const have = row.kind === "timeline" ? slices.get(row.room_id) : ephemeral.get(row.room_id);
			if (have !== undefined && have.slice.position >= row.position) continue;
			if (row.kind === "ephemeral" && !joined(row.room_id)) continue;
			(row.kind === "timeline" ? pendingTimeline : pendingEphemeral).add(row.room_id);
			if (row.seq === null) unloggedUncovered = true;
			else firstUncovered ??= row.seq;
		}
		if (firstUncovered === null && !unloggedUncovered) {
			mark = end;
			break;
		}
		// Out of rounds: stop just before the first poke we did not cover; it is shown next time.
		mark = round === MAX_ROUNDS - 1 && firstUncovered !== null ? firstUncovered - 1 : end;
	}
	return { slices, ephemeral, mark };
}
