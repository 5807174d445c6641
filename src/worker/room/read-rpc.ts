// The RoomDO's read RPCs (ClientRoomReadApi, SyncRoomApi): each opens a read for the named user, which
// refuses readers the room's history visibility shuts out, then runs one read module.
// Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility

import type { RpcResult } from "../../protocol/errors";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import type { JsonObject } from "../../protocol/events/pdu";
import type { ClientEvent, SyncSlice } from "./api";
import type {
	ContextRequest,
	ContextResponse,
	MembersRequest,
	MessagesRequest,
	MessagesResponse,
	Reader,
	RelationsRequest,
	RelationsResponse,
	SyncSliceReadRequest,
	ThreadsRequest,
	ThreadsResponse,
} from "./read-api";
import { readContext, readEvent } from "./read-event";
import { readMessages } from "./read-messages";
import { readRelations, readThreads, readTimestampToEvent } from "./read-relations";
import { openRead, ReadSession } from "./read-session";
import { readJoinedMembers, readMembers, readState, readStateEvent } from "./read-state";
import type { RoomStore } from "./store";
import { RemoteInvites } from "./remote-invites";
import { emptySlice, getSyncSlice } from "./sync-slice";
import { parseRulesDigest } from "../../protocol/push/unread";
import { type UnreadSection, unreadSection } from "./unread-counts";
import { type RoomNotifications, type RoomNotificationsRequest, roomNotifications } from "./notifications";

/** A read's result as JSON text, the form it crosses RPC in. */
export function asJson<T>(result: RpcResult<T>): RpcResult<string> {
	return result.ok ? { ok: true, value: JSON.stringify(result.value) } : result;
}

export class RoomReads {
	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly store: RoomStore,
		private readonly now: () => number,
	) {}

	private with<T>(reader: Reader, run: (session: ReadSession) => RpcResult<T>): RpcResult<T> {
		const opened = openRead(this.storage, { user_id: reader.user_id, ...(reader.device_id === undefined ? {} : { device_id: reader.device_id }) }, this.now(), this.store.getRoomInfo());
		return opened.ok ? run(opened.value) : opened;
	}

	readEvent(reader: Reader, eventId: string): RpcResult<ClientEvent> {
		return this.with(reader, (s) => readEvent(s, eventId));
	}

	readContext(req: ContextRequest): RpcResult<ContextResponse> {
		return this.with(req, (s) => readContext(s, req));
	}

	readMessages(req: MessagesRequest): RpcResult<MessagesResponse> {
		return this.with(req, (s) => readMessages(s, req));
	}

	readState(reader: Reader): RpcResult<ClientEvent[]> {
		return this.with(reader, (s) => readState(s));
	}

	readStateEvent(reader: Reader, type: string, stateKey: string): RpcResult<ClientEvent> {
		return this.with(reader, (s) => readStateEvent(s, type, stateKey));
	}

	readMembers(req: MembersRequest): RpcResult<ClientEvent[]> {
		return this.with(req, (s) => readMembers(s, req));
	}

	readJoinedMembers(reader: Reader): RpcResult<Record<string, JsonObject>> {
		return this.with(reader, (s) => readJoinedMembers(s));
	}

	readRelations(req: RelationsRequest): RpcResult<RelationsResponse> {
		return this.with(req, (s) => readRelations(s, req));
	}

	readThreads(req: ThreadsRequest): RpcResult<ThreadsResponse> {
		return this.with(req, (s) => readThreads(s, req));
	}

	readTimestampToEvent(reader: Reader, ts: number, dir: "b" | "f"): RpcResult<{ event_id: string; origin_server_ts: number }> {
		return this.with(reader, (s) => readTimestampToEvent(s, ts, dir));
	}

	/** Never refuses: a room the user has no membership in answers `membership: null`. */
	getSyncSlice(req: SyncSliceReadRequest): RpcResult<SyncSlice> {
		const info = this.store.getRoomInfo();
		if (info === null) {
			// A room known here only through a remote server's invite (room/remote-invites.ts).
			const invite = new RemoteInvites(this.storage.sql).get(req.user_id);
			if (invite === null) return { ok: true, value: emptySlice(0) };
			return { ok: true, value: { ...emptySlice(invite.position), membership: invite.membership, ...(invite.membership !== "leave" ? { stripped_state: invite.stripped_state } : {}) } };
		}
		const rules = roomVersionRules(info.room_version);
		if (rules === undefined) return { ok: false, errcode: "M_UNKNOWN", error: "Room version not supported" };
		const reader = { user_id: req.user_id, ...(req.device_id === undefined ? {} : { device_id: req.device_id }) };
		const session = new ReadSession(this.storage, info, rules, reader, this.now());
		return session.read.withoutRedactions(() => {
			const slice = getSyncSlice(session, req);
			if (req.push_rules !== undefined && slice.membership === "join") {
				Object.assign(slice, unreadSection(this.storage.sql, session, req.push_rules, req.unread_thread_notifications === true));
			}
			return { ok: true, value: slice };
		});
	}

	/** GET /notifications' part from this room, for a joined member (null for anyone else). */
	notifications(userId: string, pushRules: string, req: RoomNotificationsRequest): RoomNotifications | null {
		const session = this.joinedSession(userId);
		return session === null ? null : roomNotifications(this.storage.sql, session, parseRulesDigest(pushRules), req);
	}

	private joinedSession(userId: string): ReadSession | null {
		const info = this.store.getRoomInfo();
		const rules = info === null ? undefined : roomVersionRules(info.room_version);
		if (info === null || rules === undefined) return null;
		const session = new ReadSession(this.storage, info, rules, { user_id: userId }, this.now());
		return session.membership === "join" ? session : null;
	}

	/** A joined member's unread counts alone (their receipt moved): room/unread-counts.ts. */
	unread(userId: string, pushRules: string, threads: boolean): UnreadSection | null {
		const session = this.joinedSession(userId);
		return session === null ? null : unreadSection(this.storage.sql, session, pushRules, threads);
	}
}
