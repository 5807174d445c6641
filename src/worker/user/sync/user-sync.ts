// The UserDO's sync area: room pokes, the /sync handler, account data and tags, filters and presence.
// The UserDO class only delegates here (docs/client-server.md "Layers").
// Spec: https://spec.matrix.org/latest/client-server-api/#syncing

import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject } from "../../../protocol/events/pdu";
import { deleteTag, getAccountData, getTags, putAccountData, putServerAccountData, putTag } from "./account-data";
import { createFilter, getFilter } from "./filters";
import { rulesDigest } from "../../../protocol/push/unread";
import type { Notifier } from "./notifier";
import { isPresenceState, type PresenceStatus, presenceStatus, setPresence } from "./presence";
import { storeOthersPresence } from "./others-presence";
import type { SharedRoomIndex } from "./device-lists-left";
import type { SyncRoomStub } from "./room-fetch";
import { handleSync } from "./sync-engine";
import { InitialSliceCache } from "./initial-slice-cache";
import { type RoomStreamKind, SyncStore } from "./stream-store";
import { PendingPokes } from "./pending-pokes";
import type { PresenceState, SyncRequest, SyncResponse } from "./types";

export interface UserSyncHost {
	sql: SqlStorage;
	transaction<T>(fn: () => T): T;
	notifier: Notifier;
	owner(): string | null;
	room(roomId: string): SyncRoomStub;
	/** The user's push ruleset as account data content (`{global: ...}`), for m.push_rules. */
	pushRules(): JsonObject | null;
	/** The user's own presence changed: tell those sharing a room (others-presence.ts). */
	presenceChanged?(): void;
	/** The D1 membership index, for device_lists.left (device-lists-left.ts). */
	sharedRooms?: SharedRoomIndex;
}

/**
 * How long a room's poke may wait to be logged with the others (pokeSoon). A member of a busy room paid one
 * commit per message: on the thread every object shares in workerd, about half of a message send's cost
 * after its reply. A woken long-poll does not wait for it.
 */
const POKE_LOG_DELAY_MS = 50;

const NO_OWNER = { ok: false, errcode: "M_UNKNOWN", error: "User object has no owner", status: 500 } as const;

export class UserSync {
	readonly store: SyncStore;
	private digest: string | null = null;
	/** Pokes that woke long-polls and are not logged yet (pending-pokes.ts). */
	readonly pendingPokes = new PendingPokes({
		write: (batch) => this.host.transaction(() => batch.map((p) => this.store.logPosition(p.room_id, p.kind, p.position)).some(Boolean)),
		announce: () => this.host.notifier.notify(),
	});
	/** Joined rooms' initial slices while they stand (initial-slice-cache.ts). */
	readonly initialSlices = new InitialSliceCache();

	constructor(private readonly host: UserSyncHost) {
		this.store = new SyncStore(host.sql);
	}

	/** A write that sync will show: wake every waiting long-poll. */
	private changed<T>(value: T): T {
		this.host.notifier.notify();
		return value;
	}

	/**
	 * "Room X is at position N" (timeline) or "its typing/receipts are at N" (ephemeral). Positions only
	 * grow, so a stale or repeated poke changes nothing and wakes nobody. Resolves once the position is
	 * durably logged; a waiting long-poll is woken before that (pending-pokes.ts).
	 */
	async poke(roomId: string, kind: RoomStreamKind, position: number): Promise<void> {
		if (typeof roomId !== "string" || !Number.isSafeInteger(position) || position < 0) return;
		const latest = this.store.latestPosition(roomId, kind);
		if (latest !== null && latest >= position) return;
		if (this.host.notifier.waiting === 0 && !this.pendingPokes.covers(roomId, kind, position)) {
			// Nobody to wake first: log at once.
			if (this.host.transaction(() => this.store.logPosition(roomId, kind, position))) this.host.notifier.notify();
			this.pendingPokes.drop(roomId, kind, position);
			return;
		}
		await this.pendingPokes.add({ room_id: roomId, kind, position }, 0);
	}

	/**
	 * A room outbox's timeline poke: wakes waiting long-polls at once and logs the position with the other
	 * pokes of the next POKE_LOG_DELAY_MS, in one commit. Answers the position logged so far (null: none),
	 * which reaches the room only once durable (the output gate holds the answer behind any commit in
	 * flight); the room asks again until it covers the poke (room/outbox-drain.ts). Asked again about a
	 * pending position, it writes that batch at once and answers after it.
	 */
	async pokeSoon(roomId: string, position: number): Promise<number | null> {
		if (typeof roomId !== "string" || !Number.isSafeInteger(position) || position < 0) return null;
		const latest = this.store.latestPosition(roomId, "timeline");
		if (latest !== null && latest >= position) return latest;
		const poke = { room_id: roomId, kind: "timeline" as const, position };
		if (!this.pendingPokes.covers(roomId, "timeline", position)) {
			void this.pendingPokes.add(poke, POKE_LOG_DELAY_MS);
			return latest;
		}
		await this.pendingPokes.add(poke, 0);
		return this.store.latestPosition(roomId, "timeline");
	}

	async sync(req: SyncRequest): Promise<RpcResult<SyncResponse>> {
		const userId = this.host.owner();
		if (userId === null) return NO_OWNER;
		return handleSync(
			{
				sql: this.host.sql,
				store: this.store,
				notifier: this.host.notifier,
				userId,
				room: this.host.room,
				now: Date.now,
				transaction: this.host.transaction,
				pushRules: this.host.pushRules,
				rulesDigest: () => this.rulesDigest(),
				initialSlices: this.initialSlices,
				pendingPokes: this.pendingPokes,
				...(this.host.presenceChanged === undefined ? {} : { presenceChanged: this.host.presenceChanged }),
				...(this.host.sharedRooms === undefined ? {} : { sharedRooms: this.host.sharedRooms }),
			},
			req,
		);
	}

	/**
	 * The rules digest each slice request carries (rooms count unread with it), kept until a rule changes:
	 * building it reads and serialises the whole ruleset, and every /sync needs it.
	 */
	rulesDigest(): string | null {
		if (this.digest !== null) return this.digest;
		const digest = rulesDigest(this.host.pushRules());
		// No ruleset yet means no owner yet: nothing worth keeping.
		if (digest !== null) this.digest = digest;
		return digest;
	}

	/** After a push rule change: m.push_rules is account data to clients, so it takes a stream position. */
	pushRulesChanged(): void {
		this.digest = null;
		const rules = this.host.pushRules();
		if (rules !== null) this.host.transaction(() => putServerAccountData(this.store, "", "m.push_rules", rules));
		this.host.notifier.notify();
	}

	putAccountData(roomId: string, type: string, content: JsonObject): RpcResult<null> {
		const result = this.host.transaction(() => putAccountData(this.store, roomId, type, content));
		return result.ok ? this.changed(result) : result;
	}

	/** m.fully_read and other server-set account data (read markers). */
	putServerAccountData(roomId: string, type: string, content: JsonObject): void {
		this.host.transaction(() => putServerAccountData(this.store, roomId, type, content));
		this.host.notifier.notify();
	}

	getAccountData(roomId: string, type: string): RpcResult<JsonObject> {
		if (roomId === "" && type === "m.push_rules" && this.store.getAccountData("", type) === null) {
			const rules = this.host.pushRules();
			if (rules !== null) return { ok: true, value: rules };
		}
		return getAccountData(this.store, roomId, type);
	}

	getTags(roomId: string): JsonObject {
		return getTags(this.store, roomId);
	}

	putTag(roomId: string, tag: string, body: JsonObject): void {
		this.host.transaction(() => putTag(this.store, roomId, tag, body));
		this.host.notifier.notify();
	}

	deleteTag(roomId: string, tag: string): void {
		if (this.host.transaction(() => deleteTag(this.store, roomId, tag))) this.host.notifier.notify();
	}

	createFilter(json: JsonObject): RpcResult<string> {
		return this.host.transaction(() => createFilter(this.store, json));
	}

	getFilter(filterId: string): RpcResult<JsonObject> {
		return getFilter(this.store, filterId);
	}

	setPresence(state: PresenceState, statusMsg: string | null | undefined): void {
		if (this.host.transaction(() => setPresence(this.store, state, statusMsg, Date.now()))) {
			this.host.notifier.notify();
			this.host.presenceChanged?.();
		}
	}

	/** Another user's presence, pushed by their UserDO because they share a room with this user. */
	receivePresence(sender: string, state: string, statusMsg: string | null, lastActiveTs: number): void {
		if (typeof sender !== "string" || !isPresenceState(state) || !Number.isSafeInteger(lastActiveTs)) return;
		const msg = typeof statusMsg === "string" ? statusMsg : null;
		if (this.host.transaction(() => storeOthersPresence(this.host.sql, this.store, sender, state, msg, lastActiveTs))) this.host.notifier.notify();
	}

	getPresence(): PresenceStatus {
		return presenceStatus(this.store.getPresence(), Date.now());
	}
}
