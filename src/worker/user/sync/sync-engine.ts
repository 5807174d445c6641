// /sync inside the UserDO: resolves the filter and token, pulls updated rooms, merges the user's own
// streams (account data, presence, to-device, device lists, key counts) and long-polls until something
// the client will see arrives or the timeout ends.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync

import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject } from "../../../protocol/events/pdu";
import { eventMatches, type Filter, roomMatches, timelineLimit } from "../../../protocol/sync/filter";
import { formatSyncToken, parseSyncToken, type SyncToken } from "../../../protocol/sync/sync-token";
import { appendDeviceListChange } from "../e2ee/device-list-store";
import {
	deviceListPosition,
	deviceListSection,
	oneTimeKeyCounts,
	toDevicePosition,
	toDeviceSection,
	unusedFallbackKeyTypes,
} from "../e2ee/sync-sections";
import type { Notifier } from "./notifier";
import { departedUsers, departureCandidates, type SharedRoomIndex } from "./device-lists-left";
import { othersPresenceBetween } from "./others-presence";
import { presenceEvent, setPresence } from "./presence";
import { fetchRooms, type SyncRoomStub } from "./room-fetch";
import type { InitialSliceCache } from "./initial-slice-cache";
import type { PendingPokes } from "./pending-pokes";
import { type AheadMap, AheadPositions, sinceAhead } from "./ahead-positions";
import { buildRoomSections, isRoomsEmpty } from "./room-sections";
import { resolveFilter } from "./filters";
import type { SyncStore } from "./stream-store";
import type { BasicEvent, SyncRequest, SyncResponse } from "./types";

/** Long-polls end by this bound whatever the client asked, so a request never outlives its connection. */
export const MAX_TIMEOUT_MS = 60_000;

export interface SyncContext {
	sql: SqlStorage;
	store: SyncStore;
	notifier: Notifier;
	userId: string;
	room(roomId: string): SyncRoomStub;
	now(): number;
	transaction<T>(fn: () => T): T;
	/** The push ruleset as m.push_rules content; clients need it in the initial sync. */
	pushRules(): JsonObject | null;
	/** The enabled rules as the digest rooms count unread with (protocol/push/unread.ts), or null. */
	rulesDigest(): string | null;
	/** Own presence changed (set_presence): fan it out to those sharing a room. */
	presenceChanged?(): void;
	/** The D1 membership index, for device_lists.left (device-lists-left.ts). */
	sharedRooms?: SharedRoomIndex;
	/** Rooms' initial answers kept across requests (initial-slice-cache.ts). */
	initialSlices?: InitialSliceCache;
	/** Pokes that woke this sync before they were logged (pending-pokes.ts). */
	pendingPokes?: PendingPokes;
}

export async function handleSync(ctx: SyncContext, req: SyncRequest): Promise<RpcResult<SyncResponse>> {
	const filter = resolveFilter(ctx.store, req.filter);
	if (!filter.ok) return filter;
	let since: SyncToken | null = null;
	let carried: AheadMap = new Map();
	if (req.since !== null) {
		since = parseSyncToken(req.since) ?? null;
		const ahead = since === null || since.user > ctx.store.currentSeq() ? null : sinceAhead(ctx.store, since);
		if (ahead === null) return { ok: false, errcode: "M_INVALID_PARAM", error: "Unknown sync token" };
		carried = ahead;
	}
	if (req.set_presence !== null && setPresence(ctx.store, req.set_presence, undefined, ctx.now())) {
		ctx.notifier.notify();
		ctx.presenceChanged?.();
	}

	const deadline = ctx.now() + Math.min(Math.max(0, req.timeout_ms), MAX_TIMEOUT_MS);
	for (;;) {
		// Pokes whose positions this computation shows ahead of the log wait for its answer (ahead-positions.ts).
		let answered = () => {};
		const ahead = new AheadPositions(ctx.store, carried, ctx.pendingPokes, new Promise<void>((resolve) => (answered = resolve)));
		const { response, empty } = await computeSync(ctx, req, since, filter.value, ahead).finally(answered);
		const remaining = deadline - ctx.now();
		// Spec: an initial or full_state sync returns at once; otherwise wait "until an event is received".
		if (!empty || since === null || req.full_state || remaining <= 0) return { ok: true, value: response };
		await ctx.notifier.wait(remaining);
	}
}

async function computeSync(ctx: SyncContext, req: SyncRequest, since: SyncToken | null, filter: Filter, ahead: AheadPositions) {
	const { store } = ctx;
	// Rooms count unread notifications with the user's rules, so each slice request carries them.
	const pushRules = ctx.rulesDigest();
	const threads = filter.room?.timeline?.unread_thread_notifications === true;
	const fetched = await fetchRooms(store, ctx.room, ctx.userId, {
		sinceSeq: since?.user ?? null,
		everything: since === null || req.full_state,
		fullState: req.full_state,
		roomAllowed: (roomId) => roomMatches(filter.room, roomId),
		sliceRequest: (_roomId, roomSince) => ({
			user_id: ctx.userId,
			device_id: req.device_id,
			since: roomSince,
			timeline_limit: timelineLimit(filter),
			full_state: req.full_state,
			lazy_load_members: filter.room?.state?.lazy_load_members === true || filter.room?.timeline?.lazy_load_members === true,
			use_state_after: req.use_state_after,
			...(pushRules === null ? {} : { push_rules: pushRules, unread_thread_notifications: threads }),
		}),
		...(pushRules === null ? {} : { unread: { push_rules: pushRules, threads } }),
		...(ctx.initialSlices === undefined ? {} : { initialSlices: { cache: ctx.initialSlices, now: ctx.now() } }),
		...(ctx.pendingPokes === undefined ? {} : { pending: () => ctx.pendingPokes!.list() }),
		sinceAhead: (roomId, kind) => ahead.since(roomId, kind),
		showAhead: (roomId, kind, position) => ahead.show(roomId, kind, position),
		reading: (roomId, kind) => ahead.reading(roomId, kind),
		logged: (roomId, kind, position) => ctx.pendingPokes?.drop(roomId, kind, position),
	});

	// Users this sync shows leaving (or left behind) who share no other room: device_lists.left. Only
	// slices with a departure cost an index query, so an ordinary sync does none.
	const index = ctx.sharedRooms;
	const departed =
		since === null || index === undefined ? [] : await departedUsers(ctx.userId, await departureCandidates(store, ctx.userId, fetched.slices, index), index);

	// Everything below is synchronous: one snapshot of the user's own streams.
	return ctx.transaction(() => {
		const sinceSeq = since?.user ?? 0;
		const accountRows = store.accountDataSince(sinceSeq).filter((r) => r.stream_id <= fetched.mark);
		const globalData: BasicEvent[] = [];
		const roomData = new Map<string, BasicEvent[]>();
		for (const row of accountRows) {
			const event: BasicEvent = { type: row.type, content: JSON.parse(row.content) as JsonObject };
			if (row.room_id === "") {
				if (eventMatches(filter.account_data, event)) globalData.push(event);
			} else if (roomMatches(filter.room, row.room_id) && eventMatches(filter.room?.account_data, event)) {
				const list = roomData.get(row.room_id) ?? [];
				list.push(event);
				roomData.set(row.room_id, list);
			}
		}
		if (since === null && !globalData.some((e) => e.type === "m.push_rules")) {
			const rules = ctx.pushRules();
			const event: BasicEvent | null = rules === null ? null : { type: "m.push_rules", content: rules };
			if (event !== null && eventMatches(filter.account_data, event)) globalData.push(event);
		}
		const { rooms, changes } = buildRoomSections(store, ctx.userId, fetched, {
			initial: since === null,
			fullState: req.full_state,
			useStateAfter: req.use_state_after,
			filter,
			roomAccountData: roomData,
		});

		// Spec: device_lists.changed lists users "who have newly joined a room the client is in" (their
		// devices are new to us) as well as users whose devices changed.
		if (since !== null) {
			const now = ctx.now();
			for (const user of changes.joined) appendDeviceListChange(ctx.sql, user, "changed", now);
			for (const user of departed) appendDeviceListChange(ctx.sql, user, "left", now);
		}

		const presence = store.getPresence();
		const ownPresence = presence !== null && presence.stream_id > sinceSeq && presence.stream_id <= fetched.mark ? [presenceEvent(ctx.userId, presence, ctx.now())] : [];
		// Room mates' presence, pushed to this UserDO (others-presence.ts).
		const others = othersPresenceBetween(ctx.sql, sinceSeq, fetched.mark).map((r) => presenceEvent(r.user_id, r, ctx.now()));
		const presenceEvents = [...ownPresence, ...others].filter((e) => eventMatches(filter.presence, e));

		const toDeviceUpTo = toDevicePosition(ctx.sql);
		const toDevice = toDeviceSection(ctx.sql, req.device_id, since?.to_device ?? 0, toDeviceUpTo);
		const deviceListsUpTo = deviceListPosition(ctx.sql);
		const deviceLists = since === null ? { changed: [], left: [] } : deviceListSection(ctx.sql, since.device_lists, deviceListsUpTo);

		const response: SyncResponse = {
			next_batch: formatSyncToken({ user: fetched.mark, to_device: toDevice.position, device_lists: deviceListsUpTo, ahead: ahead.forToken(fetched.mark) }),
			rooms,
			account_data: { events: globalData },
			presence: { events: presenceEvents },
			to_device: { events: toDevice.events },
			device_lists: deviceLists,
			device_one_time_keys_count: oneTimeKeyCounts(ctx.sql, req.device_id),
			device_unused_fallback_key_types: unusedFallbackKeyTypes(ctx.sql, req.device_id),
		};
		const empty =
			isRoomsEmpty(rooms) &&
			globalData.length === 0 &&
			presenceEvents.length === 0 &&
			toDevice.events.length === 0 &&
			deviceLists.changed.length === 0 &&
			deviceLists.left.length === 0;
		return { response, empty };
	});
}
