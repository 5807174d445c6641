// Sorts fetched rooms into /sync's join, invite, leave and knock sections, applying the filter, and
// decides which rooms have nothing new (so an idle long-poll keeps waiting).
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync (Rooms, JoinedRoom, ...)

import { eventMatches, type Filter } from "../../../protocol/sync/filter";
import type { ClientEvent, SyncSlice } from "../../room/api";
import type { Fetched, FetchedRooms } from "./room-fetch";
import type { SyncStore } from "./stream-store";
import type { BasicEvent, EphemeralSlice, JoinedRoom, LeftRoom, SyncRooms } from "./types";

export interface RoomSectionOptions {
	initial: boolean;
	fullState: boolean;
	useStateAfter: boolean;
	filter: Filter;
	/** Per-room account data changed in this window, by room. */
	roomAccountData: Map<string, BasicEvent[]>;
}

/** Users whose membership the rooms' timeline/state showed changing, for device_lists. */
export interface MembershipChanges {
	joined: Set<string>;
	/** Rooms the syncing user newly joined: all their members are of interest. */
	newlyJoinedRooms: Set<string>;
	left: Set<string>;
}

function stateSection(events: ClientEvent[], useStateAfter: boolean) {
	return useStateAfter ? { "org.matrix.msc4222.state_after": { events } } : { state: { events } };
}

export function buildRoomSections(store: SyncStore, userId: string, fetched: FetchedRooms, opts: RoomSectionOptions) {
	const rooms: SyncRooms = { join: {}, invite: {}, leave: {}, knock: {} };
	const changes: MembershipChanges = { joined: new Set(), newlyJoinedRooms: new Set(), left: new Set() };
	const roomFilter = opts.filter.room;

	for (const [roomId, { since, slice }] of fetched.slices) {
		const prior = store.getMembership(roomId);
		const membership = slice.membership;
		if (membership === null) continue;
		if (prior === null || prior.membership !== membership) store.setMembership(roomId, membership, slice.position);
		// Seen before this token's position: the client already has it, so it is no news.
		const alreadySeen = prior !== null && prior.membership === membership && since !== null && prior.observed_position <= since;
		const timeline = slice.timeline.filter((e) => eventMatches(roomFilter?.timeline, e));
		const state = slice.state.filter((e) => eventMatches(roomFilter?.state, e));
		noteMembers(userId, roomId, membership, prior?.membership, slice, changes);

		if (membership === "invite" || membership === "knock") {
			if (alreadySeen && !opts.fullState) continue;
			const events = slice.stripped_state ?? [];
			if (membership === "invite") rooms.invite[roomId] = { invite_state: { events } };
			else rooms.knock[roomId] = { knock_state: { events } };
			continue;
		}
		const accountData = opts.roomAccountData.get(roomId) ?? [];
		const timelineSection = { events: timeline, limited: slice.limited, prev_batch: slice.prev_batch };
		if (membership === "join") {
			const eph = ephemeralEvents(fetched.ephemeral.get(roomId), opts.filter);
			const empty = timeline.length === 0 && state.length === 0 && eph.length === 0 && accountData.length === 0;
			if (empty && !opts.initial && !opts.fullState && since !== null) continue;
			const room: JoinedRoom = {
				timeline: timelineSection,
				...stateSection(state, opts.useStateAfter),
				ephemeral: { events: eph },
				account_data: { events: accountData },
				summary: slice.summary ?? {},
				...unreadOf(slice, fetched.ephemeral.get(roomId)?.slice),
			};
			rooms.join[roomId] = room;
			continue;
		}
		// leave or ban: a room the client never saw (or an initial sync) shows it only with include_leave;
		// otherwise the leave is shown once, and again only with new timeline or state.
		if (since === null) {
			if (roomFilter?.include_leave !== true) continue;
		} else if (alreadySeen && (opts.fullState ? roomFilter?.include_leave !== true : timeline.length === 0 && state.length === 0)) {
			continue;
		}
		const left: LeftRoom = { timeline: timelineSection, ...stateSection(state, opts.useStateAfter), account_data: { events: accountData } };
		rooms.leave[roomId] = left;
	}

	// Rooms whose only news is their account data or ephemeral events (no new timeline).
	for (const roomId of new Set([...opts.roomAccountData.keys(), ...fetched.ephemeral.keys()])) {
		if (fetched.slices.has(roomId) || store.getMembership(roomId)?.membership !== "join") continue;
		const eph = ephemeralEvents(fetched.ephemeral.get(roomId), opts.filter);
		const accountData = opts.roomAccountData.get(roomId) ?? [];
		if (eph.length === 0 && accountData.length === 0) continue;
		rooms.join[roomId] = {
			timeline: { events: [], limited: false, prev_batch: "" },
			...stateSection([], opts.useStateAfter),
			ephemeral: { events: eph },
			account_data: { events: accountData },
			summary: {},
			...unreadOf(undefined, fetched.ephemeral.get(roomId)?.slice),
		};
	}
	return { rooms, changes };
}

/**
 * The room's unread counts: the ephemeral answer's are the freshest when the reader's receipt moved,
 * else the slice's; zero when neither carried any (the user has no push rules).
 */
function unreadOf(slice: SyncSlice | undefined, eph: EphemeralSlice | undefined): Pick<JoinedRoom, "unread_notifications" | "unread_thread_notifications"> {
	const source = eph?.unread_notifications !== undefined ? eph : slice;
	const out: Pick<JoinedRoom, "unread_notifications" | "unread_thread_notifications"> = {
		unread_notifications: source?.unread_notifications ?? { highlight_count: 0, notification_count: 0 },
	};
	if (source?.unread_thread_notifications !== undefined) out.unread_thread_notifications = source.unread_thread_notifications;
	return out;
}

function ephemeralEvents(fetched: Fetched<EphemeralSlice> | undefined, filter: Filter): BasicEvent[] {
	if (fetched === undefined) return [];
	const out: BasicEvent[] = [];
	const { slice, since } = fetched;
	// Typing is a current set: sent whenever the room woke us, and on a room's first sync.
	if (since === null ? slice.typing.length > 0 : true) out.push({ type: "m.typing", content: { user_ids: slice.typing } });
	if (slice.receipts !== null) out.push({ type: "m.receipt", content: slice.receipts });
	return out.filter((e) => eventMatches(filter.room?.ephemeral, e));
}

function noteMembers(userId: string, roomId: string, membership: string, prior: string | undefined, slice: SyncSlice, changes: MembershipChanges): void {
	if (membership === "join" && prior !== "join") changes.newlyJoinedRooms.add(roomId);
	for (const e of [...slice.state, ...slice.timeline]) {
		if (e.type !== "m.room.member" || e.state_key === undefined || e.state_key === userId) continue;
		const m = e.content.membership;
		if (m === "join") changes.joined.add(e.state_key);
		else if (m === "leave" || m === "ban") changes.left.add(e.state_key);
	}
}

export function isRoomsEmpty(rooms: SyncRooms): boolean {
	return [rooms.join, rooms.invite, rooms.leave, rooms.knock].every((s) => Object.keys(s).length === 0);
}
