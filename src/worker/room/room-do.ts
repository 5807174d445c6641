// RoomDO: the single writer of one room (keyed by room ID). It owns the exact PDUs, the DAG, state
// and delivery bookkeeping; see ARCHITECTURE.md "Who owns which data".
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus

import { DurableObject } from "cloudflare:workers";
import type { RpcResult } from "../../protocol/errors";
import { commitOrReset } from "../../platform/commit-or-reset";
import { getConfig } from "../../platform/config";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import type { ClientRoomApi, CreatedRoom, CreateRoomInput, LocalEventInput, Membership, SentEvent } from "./api";
import { sendLocalBatch } from "./local-batch";
import { LocalWriter } from "./local-writer";
import { RoomDrain } from "./room-drain";
import { OutboxStore } from "./outbox-store";
import { pokeDelivery } from "./poke-delivery";
import type { ContextRequest, MembersRequest, MessagesRequest, Reader, RelationsRequest, SyncSliceReadRequest, ThreadsRequest } from "./read-api";
import { asJson, RoomReads } from "./read-rpc";
import { type PeekRequest, peekEvents } from "./read-peek";
import { PositionWaiters } from "./position-waiters";
import { type EphemeralHost, ephemeralSlice, RoomReceipts, type ReceiptType } from "./receipts";
import { PublicSummary } from "./public-summary";
import { searchRoom, type SearchRequest } from "./search";
import { roomSummaryView } from "./room-summary";
import type { PublicRoomChunk } from "../../protocol/directory/public-room";
import { ROOM_MIGRATIONS } from "./schema";
import type { IngestOutcome, RemoteEventInput } from "./federation-ingest";
import type { BackfillInput } from "./federation-backfill";
import { BackfillMemo, type BackfillPoints } from "./backfill-points";
import type { MakeMembershipRequest, MembershipKind } from "./federation-membership";
import { type FederationReadRequest, FederationRoom } from "./federation-room";
import { FederationStore } from "./federation-store";
import { joinRemoteRoom, type RemoteJoinInput } from "./federation-join";
import { RoomStore, type RoomInfo, type StateEntry } from "./store";
import { type RemoteInvite, RemoteInvites } from "./remote-invites";
import { strippedStatePdus } from "./stripped-state";
import { RoomTyping } from "./typing";
import { SyncSliceCache } from "./sync-slice-cache";
import { requestKey } from "../../platform/memory-lru";
import { remoteServersOf } from "./ephemeral-federation";
import { enqueueEduFor } from "../../platform/edu-fan-out";
import { WriteStore } from "./write-store";
import type { RoomNotificationsRequest } from "./notifications";
import { type ExportCoMember, type ExportEnvelope, type ExportMembership, ExportProjection, type ExportRoomApi, type ExportRoomDetail, type ExportWindow } from "./export-projection";

export class RoomDO extends DurableObject<Env> implements ClientRoomApi, ExportRoomApi {
	private readonly store: RoomStore;
	private readonly writes: WriteStore;
	private readonly outbox: OutboxStore;
	/** After commits and on the alarm (room/room-drain.ts). */
	private readonly drainer: RoomDrain;
	/** Requests of the peeking event stream waiting for the room to move (room/read-peek.ts). */
	private readonly peekers = new PositionWaiters();
	/** The local write path (room/local-writer.ts): one serialised step per event. */
	private readonly writer: LocalWriter;
	/** Receipts and typing (room/receipts.ts, room/typing.ts); they wake local members' /sync. */
	private readonly receipts: RoomReceipts;
	private readonly typing: RoomTyping;
	private readonly ephemeralHost: EphemeralHost;
	/** Initial /sync slices until the room's storage changes (room/sync-slice-cache.ts). */
	private readonly syncSlices: SyncSliceCache;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new RoomStore(ctx.storage);
		this.writes = new WriteStore(ctx.storage.sql);
		this.outbox = new OutboxStore(ctx.storage.sql);
		migrateOnStart(ctx, ROOM_MIGRATIONS);
		this.drainer = new RoomDrain({ ctx, env, store: this.store, outbox: this.outbox, writes: this.writes });
		// A room that predates the remote-member index has its members logged by the migration: the alarm
		// copies them on waking rather than at the room's next event.
		void ctx.blockConcurrencyWhile(async () => {
			if (ctx.storage.sql.exec("SELECT 1 FROM remote_member_changes LIMIT 1").toArray().length > 0) await this.drainer.alarmBy(Date.now());
		});
		this.writer = new LocalWriter({
			storage: ctx.storage,
			commitAtomically: (fn) => commitOrReset(ctx, fn),
			env,
			store: this.store,
			writes: this.writes,
			outbox: this.outbox,
			scheduleDrain: (afterReply?: boolean) => this.scheduleDrain(afterReply),
			settleDrain: () => this.drainer.settle(),
		});
		this.ephemeralHost = {
			sql: ctx.storage.sql,
			transaction: (fn) => ctx.storage.transactionSync(fn),
			roomId: () => this.store.getRoomInfo()?.room_id ?? null,
			serverName: () => getConfig(env).serverName,
			membership: (userId) => this.writes.getMember(userId)?.membership ?? null,
			joinedMembers: () => this.writes.membersWith(["join"]),
			hasTimelineEvent: (eventId) => (this.writes.getEventMeta(eventId)?.stream_ordering ?? null) !== null,
			user: (userId) => env.USER.getByName(userId),
			federateEdu: (edu, dedupeKey) => {
				const servers = remoteServersOf(this.writes.membersWith(["join"]), getConfig(env).serverName);
				if (servers.length > 0) ctx.waitUntil(enqueueEduFor(env, servers, edu, dedupeKey));
			},
		};
		this.receipts = new RoomReceipts(this.ephemeralHost);
		this.typing = new RoomTyping(this.ephemeralHost);
		this.syncSlices = new SyncSliceCache(ctx.storage.sql);
	}

	setReceipt(userId: string, receiptType: ReceiptType, eventId: string, threadId: string | null, ts: number): Promise<RpcResult<null>> {
		return this.receipts.setReceipt(userId, receiptType, eventId, threadId, ts);
	}

	setTyping(userId: string, typing: boolean, timeoutMs: number | null): Promise<RpcResult<null>> {
		return this.typing.setTyping(userId, typing, timeoutMs);
	}

	/** GET /notifications' part from this room (JSON text of RoomNotifications, or null for a non-member). */
	getNotificationsJson(userId: string, pushRules: string, req: RoomNotificationsRequest): string {
		return JSON.stringify(this.reads.notifications(userId, pushRules, req));
	}

	/** /sync's ephemeral events for a joined member (typing now, receipts past `since`), as JSON text. */
	getEphemeralJson(userId: string, since: number | null, pushRules?: string, threads?: boolean): RpcResult<string> {
		const slice = ephemeralSlice(this.ephemeralHost, this.receipts, this.typing.current(), userId, since);
		if (!slice.ok) return slice;
		// A receipt moves the reader's unread counts, so /sync's ephemeral fetch brings them along.
		const unread = pushRules === undefined ? null : this.reads.unread(userId, pushRules, threads === true);
		return { ok: true, value: JSON.stringify(unread === null ? slice.value : { ...slice.value, ...unread }) };
	}

	sendLocalEvent(input: LocalEventInput): Promise<RpcResult<SentEvent>> {
		return this.writer.sendLocalEvent(input);
	}

	/** Several local events in order, in one call (room/local-batch.ts). */
	sendLocalEvents(inputs: LocalEventInput[]): Promise<RpcResult<RpcResult<SentEvent>[]>> {
		return sendLocalBatch((input) => this.writer.sendLocalEvent(input), inputs);
	}

	createRoom(input: CreateRoomInput): Promise<RpcResult<CreatedRoom>> {
		return this.writer.createRoom(input);
	}

	getMembership(userId: string): Membership | null {
		return this.writes.getMember(userId)?.membership ?? null;
	}

	// Federation (room/federation-room.ts): inbound PDUs, serving endpoints, inbound joins and leaves.
	// The bridge fetches keys, missing events and state first: nothing here makes a network call.
	private federationRoom?: FederationRoom;
	private get federation(): FederationRoom {
		this.federationRoom ??= new FederationRoom({
			storage: this.ctx.storage,
			store: this.store,
			fed: new FederationStore(this.ctx.storage.sql),
			writes: this.writes,
			outbox: this.outbox,
			server_name: () => getConfig(this.env).serverName,
			scheduleDrain: () => this.scheduleDrain(),
		});
		return this.federationRoom;
	}

	/** Receipt checks 4–6 and the write for PDUs that passed checks 1–3 in the bridge, in order. */
	ingestRemoteEvents(events: RemoteEventInput[], now: number): Promise<RpcResult<IngestOutcome[]>> {
		return this.federation.ingest(events, now);
	}

	/** Events fetched through /backfill, after checks 1–3 in the bridge: stored as history before what the room holds. */
	async storeBackfill(input: BackfillInput, now: number): Promise<RpcResult<{ stored: number }>> {
		const result = await this.federation.backfill(input, now);
		// The drain copies new events into the D1 event index (GET /federation/v1/event); history writes no
		// pokes or hand-offs, so it wakes nobody.
		if (result.ok && result.value.stored > 0) await this.scheduleDrain();
		return result;
	}

	/**
	 * Where older history continues and whom to ask (room/backfill-points.ts); null when the room holds its
	 * beginning, or asking the same again came to nothing a moment ago.
	 */
	backfillPoints(): BackfillPoints | null {
		return this.backfillMemo.points(Date.now());
	}

	/**
	 * The bridge's word that asking `server` for events older than `from` brought nothing (or, `answered`
	 * false, no answer): not asked again for a while (the server: asked after the others).
	 */
	noteBackfillFutile(from: string[], server: string, answered: boolean): void {
		this.backfillMemo.futile(from, server, answered, Date.now());
	}

	private backfillMemoValue?: BackfillMemo;
	private get backfillMemo(): BackfillMemo {
		this.backfillMemoValue ??= new BackfillMemo(this.ctx.storage.sql, this.writes, () => getConfig(this.env).serverName);
		return this.backfillMemoValue;
	}

	/** federationSendGate, federationMissing and ingestRemoteEvents in one call, for the bridge's common case (room/federation-room.ts). */
	ingestRemoteEventsFrom(origin: string, events: RemoteEventInput[], named: string[], now: number): Promise<RpcResult<IngestOutcome[] | null>> {
		return this.federation.ingestFrom(origin, events, named, now);
	}

	federationSendGate(origin: string): RpcResult<{ room_version: string; forward_extremities: string[] }> {
		return this.federation.sendGate(origin);
	}

	federationServerAccess(origin: string): { acl_allowed: boolean; joined: boolean } | null {
		return this.federation.serverAccess(origin);
	}

	federationMissing(eventIds: string[]): { missing: string[]; without_state: string[] } {
		return this.federation.missing(eventIds);
	}

	federationReadJson(origin: string, request: FederationReadRequest): RpcResult<string> {
		return this.federation.read(origin, request);
	}

	federationMakeMembershipJson(request: MakeMembershipRequest): Promise<RpcResult<string>> {
		return this.federation.makeMembership(request);
	}

	/** Restricted rooms: the allowed rooms a remote user's join must be checked against (null: no check needed). */
	federationRestrictedAllowRooms(userId: string): Promise<string[] | null> {
		return this.federation.restrictedAllowRooms(userId);
	}

	federationSendMembershipJson(origin: string, kind: MembershipKind, eventId: string, pduJson: string, now: number): Promise<RpcResult<string>> {
		return this.federation.sendMembership(origin, kind, eventId, pduJson, now);
	}

	/**
	 * Until when a remote join of this room is under way (in memory: it spans seconds). A resident sends new
	 * events as soon as it accepted our send_join, maybe before joinRemoteRoom below created the room; the
	 * bridge's /send waits for the room instead of answering those PDUs "unknown room" and losing them.
	 */
	private remoteJoinUntil = 0;

	noteRemoteJoin(until: number): void {
		this.remoteJoinUntil = until;
	}

	remoteJoinPending(): boolean {
		return this.store.getRoomInfo() === null && Date.now() < this.remoteJoinUntil;
	}

	/**
	 * Stores a remote server's invite to this (unknown here) room, a local user's knock on it, or their
	 * rejection or retraction (room/remote-invites.ts), and wakes the user's /sync.
	 */
	async receiveRemoteInvite(roomId: string, userId: string, invite: Omit<RemoteInvite, "position">): Promise<RpcResult<null>> {
		if (this.store.getRoomInfo() !== null) return { ok: false, errcode: "M_FORBIDDEN", error: "The room is already known here" };
		const position = new RemoteInvites(this.ctx.storage.sql).put(userId, invite);
		// No outbox row stands behind this poke: it waits for the log.
		await pokeDelivery(this.env, roomId, Date.now, true)(userId, position, { membership: invite.membership, event_id: invite.event_id });
		return { ok: true, value: null };
	}

	/**
	 * The user's remote invite or knock, without its stripped state (RPC's mapping of that JSON is too deep
	 * to type-check); `room_version` as its stripped create event names it, if it does.
	 */
	remoteInviteOf(userId: string): (Pick<RemoteInvite, "event_id" | "origin" | "membership"> & { room_version: string | null }) | null {
		const invite = new RemoteInvites(this.ctx.storage.sql).get(userId);
		if (invite === null) return null;
		const version = invite.stripped_state.find((e) => e.type === "m.room.create")?.content.room_version;
		return { event_id: invite.event_id, origin: invite.origin, membership: invite.membership, room_version: typeof version === "string" ? version : null };
	}

	/**
	 * An invite of a user on another server, signed and authorised but not stored: their server must
	 * countersign it first (bridge/joins/remote-invite.ts). JSON text: pdu_json, event_id, room_version and
	 * invite_room_state (the stripped-state PDUs, with the inviter's member event).
	 */
	async prepareRemoteInviteJson(input: LocalEventInput): Promise<RpcResult<string>> {
		const prepared = await this.writer.prepare(input);
		if (!prepared.ok) return prepared;
		return { ok: true, value: JSON.stringify({ ...prepared.value, invite_room_state: strippedStatePdus(this.store, input.sender) }) };
	}

	/** Stores an event prepareRemoteInviteJson built, as the remote server returned it, and federates it. */
	commitPreparedEvent(pduJson: string, now: number): Promise<RpcResult<SentEvent>> {
		return this.writer.commitPrepared(pduJson, now);
	}

	/** Creates this room from a remote resident's send_join answer (room/federation-join.ts); our join is its first timeline event. */
	async joinRemoteRoom(input: RemoteJoinInput, now: number): Promise<RpcResult<{ event_id: string; stream_position: number }>> {
		const { storage } = this.ctx;
		const fed = new FederationStore(storage.sql);
		const result = await joinRemoteRoom({ storage, store: this.store, fed, writes: this.writes, outbox: this.outbox, server_name: getConfig(this.env).serverName }, input, now);
		if (result.ok) await this.scheduleDrain();
		return result;
	}

	/** The room's forward extremities (its newest events). */
	getForwardExtremities(): string[] {
		return this.store.getForwardExtremities();
	}

	/** After a commit (room/room-drain.ts; `afterReply` only for a local message event). */
	private scheduleDrain(afterReply = false): Promise<void> {
		// Peekers are nobody's poke: the commit itself wakes them.
		if (this.peekers.size > 0) this.peekers.advanced(this.store.streamPosition());
		return this.drainer.afterCommit(afterReply);
	}

	/** The safety net: retries what a direct drain left and settles its bookkeeping (room/room-drain.ts). */
	async alarm(): Promise<void> {
		await this.drainer.onAlarm();
	}

	/** The room's ID, version and stream position, or null if this object holds no room yet. */
	getRoomInfo(): RoomInfo | null {
		return this.store.getRoomInfo();
	}

	// Client reads (room/read-rpc.ts): each names the reader, so the room enforces history visibility.
	// Results cross RPC as JSON text: RPC's mapping of recursive JSON types is too deep to type-check.
	private get reads(): RoomReads {
		return new RoomReads(this.ctx.storage, this.store, Date.now);
	}

	/** getSyncSlice as JSON text, for the UserDO: RPC's type mapping of recursive JSON is too deep to check. */
	getSyncSliceJson(request: SyncSliceReadRequest): RpcResult<string> {
		if (request.since !== null) return asJson(this.reads.getSyncSlice(request));
		return this.syncSlices.answer(requestKey("slice", request), Date.now(), () => this.reads.getSyncSlice(request));
	}

	/** getSyncSliceJson plus, for a joined reader, getEphemeralJson from scratch: one round trip for a room new to /sync. */
	getSyncSliceWithEphemeralJson(request: SyncSliceReadRequest): RpcResult<string> {
		const both = (): RpcResult<object> => {
			const slice = this.reads.getSyncSlice(request);
			if (!slice.ok) return slice;
			const ephemeral = slice.value.membership === "join" ? ephemeralSlice(this.ephemeralHost, this.receipts, this.typing.current(), request.user_id, null) : null;
			return { ok: true, value: { slice: slice.value, ephemeral: ephemeral?.ok === true ? ephemeral.value : null } };
		};
		if (request.since !== null) return asJson(both());
		return this.syncSlices.answer(requestKey("both", request), Date.now(), both);
	}

	readEventJson(reader: Reader, eventId: string): RpcResult<string> {
		return asJson(this.reads.readEvent(reader, eventId));
	}

	readContextJson(request: ContextRequest): RpcResult<string> {
		return asJson(this.reads.readContext(request));
	}

	readMessagesJson(request: MessagesRequest): RpcResult<string> {
		return asJson(this.reads.readMessages(request));
	}

	readStateJson(reader: Reader): RpcResult<string> {
		return asJson(this.reads.readState(reader));
	}

	/** GET /events?room_id= (room/read-peek.ts): new events from a token, waiting up to the timeout for some. */
	async peekEventsJson(request: PeekRequest): Promise<RpcResult<string>> {
		const deps = { readMessages: (req: MessagesRequest) => this.reads.readMessages(req), position: () => this.store.streamPosition(), waiters: this.peekers };
		return asJson(await peekEvents(deps, request));
	}

	readStateEventJson(reader: Reader, type: string, stateKey: string): RpcResult<string> {
		return asJson(this.reads.readStateEvent(reader, type, stateKey));
	}

	readMembersJson(request: MembersRequest): RpcResult<string> {
		return asJson(this.reads.readMembers(request));
	}

	readJoinedMembersJson(reader: Reader): RpcResult<string> {
		return asJson(this.reads.readJoinedMembers(reader));
	}

	readRelationsJson(request: RelationsRequest): RpcResult<string> {
		return asJson(this.reads.readRelations(request));
	}

	readThreadsJson(request: ThreadsRequest): RpcResult<string> {
		return asJson(this.reads.readThreads(request));
	}

	readTimestampToEventJson(reader: Reader, ts: number, dir: "b" | "f"): RpcResult<string> {
		return asJson(this.reads.readTimestampToEvent(reader, ts, dir));
	}

	/** The exact JSON text of a PDU as signed or received, or null if unknown. */
	getPdu(eventId: string): string | null {
		return this.store.getPdu(eventId);
	}

	/** The room's current state as (type, state_key, event_id) triples, sorted by type then state key. */
	getCurrentStateIds(): StateEntry[] {
		return this.store.getCurrentStateIds();
	}

	// Directory: thin delegates to public-summary.ts.
	/** This room's public-directory chunk from current state; null if this object holds no room. */
	getPublicSummary(): PublicRoomChunk | null {
		return new PublicSummary(this.ctx.storage.sql).chunk();
	}

	/** Whether the user may manage the room's aliases and directory visibility (power to send m.room.canonical_alias). */
	canManageAliases(userId: string): boolean {
		return new PublicSummary(this.ctx.storage.sql).canManageAliases(userId);
	}

	/** Server-side search over this room's unencrypted events for one reader (room/search.ts), as JSON text. */
	searchJson(request: SearchRequest): RpcResult<string> {
		return asJson(searchRoom(this.ctx.storage, this.store, Date.now(), request));
	}

	/**
	 * Room summary and space-hierarchy facts (room/room-summary.ts) as RoomSummaryView JSON text (RPC's mapping
	 * of recursive JSON types is too deep to type-check); null if this object holds no room.
	 */
	getRoomSummaryJson(userId: string | null): string | null {
		const view = roomSummaryView(this.ctx.storage.sql, userId);
		return view === null ? null : JSON.stringify(view);
	}

	// Lawful-access export (room/export-projection.ts): an allow-list that runs here, so content never leaves.
	exportEnvelopes(sender: string, window: ExportWindow, afterStream: number, limit: number): ExportEnvelope[] {
		return new ExportProjection(this.ctx.storage.sql).exportEnvelopes(sender, window, afterStream, limit);
	}

	exportMemberships(userId: string, window: ExportWindow, afterStream: number, limit: number): ExportMembership[] {
		return new ExportProjection(this.ctx.storage.sql).exportMemberships(userId, window, afterStream, limit);
	}

	exportCoMembers(target: string, window: ExportWindow, afterUserId: string, limit: number): ExportCoMember[] {
		return new ExportProjection(this.ctx.storage.sql).exportCoMembers(target, window, afterUserId, limit);
	}

	exportRoomDetails(window: ExportWindow, afterStream: number, limit: number): ExportRoomDetail[] {
		return new ExportProjection(this.ctx.storage.sql).exportRoomDetails(window, afterStream, limit);
	}
}
