// The RoomDO's local write path: sendLocalEvent and createRoom as one serialised step per room
// (txn dedupe → state → build + sign → auth → one transaction). docs/client-server.md "Events".
// Spec: https://spec.matrix.org/latest/client-server-api/#transaction-identifiers,
// https://spec.matrix.org/latest/client-server-api/#creation

import { checkStateIndependentAuthRules, namedLevel, roomPower, userPowerLevel } from "../../protocol/auth";
import type { BuiltEvent, EventTemplate } from "../../protocol/events/build-event";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { JsonObject, Pdu, RoomEvent } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import type { RpcResult } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import { canonicalJson } from "../../protocol/json/canonical";
import { type RoomVersionRules, roomVersionRules } from "../../protocol/room-versions/rules";
import type { Atomically } from "../../platform/commit-or-reset";
import { getConfig } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";
import type { CreatedRoom, CreateRoomInput, LocalEventInput, SentEvent } from "./api";
import { type CommitContext, commitLocalEvent } from "./commit-event";
import type { OutboxStore } from "./outbox-store";
import { authoriseBuilt, placeLocalEvent } from "./place-event";
import { SerialQueue } from "./serial-queue";
import { EventCache, loadStateView, stateKeysFor, StateView } from "./state-view";
import type { RoomStore } from "./store";
import type { WriteStore } from "./write-store";

export interface WriterDeps {
	storage: DurableObjectStorage;
	/** How an event's writes are made atomic: commitOrReset (platform/commit-or-reset.ts says why not a savepoint). */
	commitAtomically: Atomically;
	env: Env;
	store: RoomStore;
	writes: WriteStore;
	outbox: OutboxStore;
	/** Called after a commit that wrote outbox rows: the DO schedules its drain. */
	/** `afterReply`: see RoomDrain.afterCommit (only a message event, never a state change). */
	scheduleDrain: (afterReply?: boolean) => Promise<void>;
	/** Writes the drain's pending bookkeeping (room-drain.ts); called inside each event's transaction, so it costs no commit of its own. */
	settleDrain: () => void;
}

function isJsonObject(v: unknown): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class LocalWriter {
	private readonly queue = new SerialQueue();
	private readonly cache = new EventCache();
	/** The state group after the last event this writer committed (immutable once written). */
	private lastStateAfter: { event_id: string; group: number } | null = null;

	constructor(private readonly deps: WriterDeps) {}

	sendLocalEvent(input: LocalEventInput): Promise<RpcResult<SentEvent>> {
		// RPC arguments are not type-checked at runtime.
		if (parseUserId(input.sender) === undefined || typeof input.type !== "string" || !isJsonObject(input.content)) {
			return Promise.resolve({ ok: false, errcode: "M_BAD_JSON", error: "malformed event input" });
		}
		return this.queue.run(() => this.send(input));
	}

	createRoom(input: CreateRoomInput): Promise<RpcResult<CreatedRoom>> {
		return this.queue.run(() => this.create(input));
	}

	/**
	 * Builds, signs and authorises an event against current state without storing it: an invite of a user on
	 * another server must come back countersigned by their server before it is committed (commitPrepared).
	 */
	prepare(input: LocalEventInput): Promise<RpcResult<{ pdu_json: string; event_id: string; room_version: string }>> {
		if (parseUserId(input.sender) === undefined || typeof input.type !== "string" || !isJsonObject(input.content)) {
			return Promise.resolve({ ok: false, errcode: "M_BAD_JSON", error: "malformed event input" });
		}
		return this.queue.run(async () => {
			const built = await this.build(input, false);
			if (!built.ok) return built;
			if (!("placed" in built.value)) return { ok: false, errcode: "M_UNKNOWN", error: "Nothing to prepare" };
			const { placed, room_version } = built.value;
			return { ok: true, value: { pdu_json: placed.pdu_json, event_id: placed.event.event_id, room_version } };
		});
	}

	/**
	 * Commits an event prepare() built, as it came back (with more signatures). It is authorised again
	 * against current state: the room may have moved on while the remote server answered.
	 */
	commitPrepared(pduJson: string, now: number): Promise<RpcResult<SentEvent>> {
		return this.queue.run(async () => {
			const { store, writes } = this.deps;
			const info = store.identity();
			const rules = info && roomVersionRules(info.room_version);
			if (!info || !rules) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
			const config = getConfig(this.deps.env);
			let event: RoomEvent;
			try {
				event = await toRoomEvent(JSON.parse(pduJson) as Pdu, rules);
			} catch {
				return { ok: false, errcode: "M_BAD_JSON", error: "malformed event" };
			}
			if (event.room_id !== info.room_id || serverNameOf(event.sender) !== config.serverName) return { ok: false, errcode: "M_FORBIDDEN", error: "Not an event of this server in this room" };
			const known = writes.getEventMeta(event.event_id);
			if (known !== null) return { ok: true, value: { event_id: event.event_id, stream_position: known.stream_ordering ?? this.deps.store.streamPosition() } };
			const template: EventTemplate = { type: event.type, sender: event.sender, content: event.content, ...(event.state_key === undefined ? {} : { state_key: event.state_key }) };
			const state = await this.loadState(rules, template);
			const built = { event, pdu_json: pduJson };
			const allowed = await authoriseBuilt(rules, built, state);
			if (!allowed.ok) return allowed;
			const position = this.commit([built], config.serverName, now);
			await this.deps.scheduleDrain();
			return { ok: true, value: { event_id: event.event_id, stream_position: position } };
		});
	}

	private async send(input: LocalEventInput): Promise<RpcResult<SentEvent>> {
		const built = await this.build(input, true);
		if (!built.ok) return built;
		if ("existing" in built.value) return { ok: true, value: built.value.existing };
		const { placed, server_name: serverName } = built.value;
		const now = input.origin_server_ts;
		const txn = input.txn && { user_id: input.sender, device_id: input.txn.device_id, txn_id: input.txn.txn_id };
		const position = this.commit([placed], serverName, now, txn);
		await this.deps.scheduleDrain(placed.event.state_key === undefined);
		return { ok: true, value: { event_id: placed.event.event_id, stream_position: position } };
	}

	/**
	 * The signed, authorised event for `input`, or (with `reuse`) the event a retried txn or an unchanged
	 * state event already produced.
	 */
	private async build(
		input: LocalEventInput,
		reuse: boolean,
	): Promise<RpcResult<{ existing: SentEvent } | { placed: BuiltEvent; room_version: string; server_name: string }>> {
		const { store, writes } = this.deps;
		const info = store.identity();
		if (info === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		const rules = roomVersionRules(info.room_version);
		if (!rules) return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "Unsupported room version" };
		if (input.txn && reuse) {
			const done = writes.getTxn(input.sender, input.txn.device_id, input.txn.txn_id);
			if (done) return { ok: true, value: { existing: { event_id: done.event_id, stream_position: done.stream_ordering } } };
		}
		const template: EventTemplate = { type: input.type, sender: input.sender, content: input.content };
		if (input.state_key !== undefined) template.state_key = input.state_key;
		if (input.redacts !== undefined) template.redacts = input.redacts;

		const state = await this.loadState(rules, template);
		const now = input.origin_server_ts;
		// Setting state to what it already is (same sender, same content) creates no event, as Synapse does:
		// clients re-send joins and state on retry without a txn ID.
		// Only for a sender still in the room (or changing their own membership): a former member must be refused.
		const senderJoined = state.get("m.room.member", template.sender)?.content.membership === "join";
		const ownMembership = template.type === "m.room.member" && template.state_key === template.sender;
		if (reuse && template.state_key !== undefined && (senderJoined || ownMembership)) {
			const current = state.get(template.type, template.state_key);
			if (current && current.sender === template.sender && canonicalJson(current.content) === canonicalJson(template.content)) {
				const meta = writes.getEventMeta(current.event_id);
				if (input.txn) {
					const txn = input.txn;
					this.deps.storage.transactionSync(() => writes.insertTxn(input.sender, txn.device_id, txn.txn_id, current.event_id, now));
				}
				return { ok: true, value: { existing: { event_id: current.event_id, stream_position: meta?.stream_ordering ?? this.deps.store.streamPosition() } } };
			}
		}
		if (template.type === "m.room.redaction") {
			const refused = this.checkRedaction(template, state, rules.auth);
			if (refused) return refused;
		}

		const config = getConfig(this.deps.env);
		const keys = await getServerKeys(this.deps.env.DB, config, now);
		const prev = store.getForwardExtremitiesAndDepth();
		const placed = await placeLocalEvent(template, state, {
			rules,
			room_id: info.room_id,
			prev_events: prev.event_ids,
			max_prev_depth: prev.max_depth,
			origin_server_ts: now,
			server_name: config.serverName,
			key: keys.current,
		});
		if (!placed.ok) return placed;
		return { ok: true, value: { placed: placed.value, room_version: info.room_version, server_name: config.serverName } };
	}

	/** The current state a template's building and auth need, through the event cache. */
	private loadState(rules: RoomVersionRules, template: EventTemplate): Promise<StateView> {
		const { store, writes } = this.deps;
		return loadStateView(rules, stateKeysFor(rules, template), (keys) => writes.getCurrentStateEventIds(keys), (id) => store.getPdu(id), this.cache);
	}

	/**
	 * Stores events in one transaction (after `first`, which createRoom uses to bind the room) with the
	 * drain's bookkeeping; returns the last one's stream position. Only once the transaction has committed
	 * are the events cached and the state after the last remembered, so the next event skips those reads.
	 */
	private commit(built: readonly BuiltEvent[], serverName: string, now: number, txn?: CommitContext["txn"], first?: () => void): number {
		const { store, writes, outbox } = this.deps;
		const known = this.lastStateAfter;
		const ctx: CommitContext = {
			store,
			writes,
			outbox,
			server_name: serverName,
			now,
			...(txn ? { txn } : {}),
			known_state_after: (id) => (known !== null && known.event_id === id ? known.group : undefined),
		};
		const committed = outbox.transaction(this.deps.commitAtomically, () => {
			first?.();
			const results = built.map((b) => commitLocalEvent(b, ctx));
			this.deps.settleDrain();
			return results;
		});
		for (const b of built) this.cache.put(b.event);
		const last = committed[committed.length - 1]!;
		this.lastStateAfter = { event_id: built[built.length - 1]!.event.event_id, group: last.state_after };
		return last.position;
	}

	/**
	 * Redacting someone else's event needs the redact level (spec "Redactions": "the sender ... has the
	 * power to redact"; the v3+ auth rules leave this check to the server applying the redaction).
	 */
	private checkRedaction(template: EventTemplate, state: StateView, flags: Parameters<typeof roomPower>[0]): RpcResult<never> | null {
		if (template.redacts === undefined) return { ok: false, errcode: "M_BAD_JSON", error: "redaction without redacts" };
		const target = this.deps.writes.getEventMeta(template.redacts);
		if (target === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown event to redact" };
		if (target.sender === template.sender) return null;
		const power = roomPower(flags, state.lookup);
		if (userPowerLevel(power, template.sender) < namedLevel(power, "redact")) {
			return { ok: false, errcode: "M_FORBIDDEN", error: "You may not redact other users' events" };
		}
		return null;
	}

	private async create(input: CreateRoomInput): Promise<RpcResult<CreatedRoom>> {
		const { store } = this.deps;
		if (store.getRoomInfo() !== null) return { ok: false, errcode: "M_ROOM_IN_USE", error: "Room already exists" };
		const rules = roomVersionRules(input.room_version);
		if (!rules) return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "Unsupported room version" };
		const create = await toRoomEvent(JSON.parse(input.create_pdu) as Pdu, rules);
		const createAuth = checkStateIndependentAuthRules(rules, create, () => undefined);
		if (!createAuth.ok) return { ok: false, errcode: "M_INVALID_ROOM_STATE", error: createAuth.reason };

		const config = getConfig(this.deps.env);
		const keys = await getServerKeys(this.deps.env.DB, config, input.origin_server_ts);
		const state = new StateView();
		state.set(create);
		const built = [{ event: create, pdu_json: input.create_pdu }];
		for (const template of input.events) {
			const last = built[built.length - 1]!.event;
			const placed = await placeLocalEvent(template, state, {
				rules,
				room_id: create.room_id,
				prev_events: [last.event_id],
				max_prev_depth: last.depth,
				origin_server_ts: input.origin_server_ts,
				server_name: config.serverName,
				key: keys.current,
			});
			if (!placed.ok) {
				// createRoom: "The initial state implied by the parameter to the request is invalid" → M_INVALID_ROOM_STATE.
				const errcode = placed.errcode === "M_FORBIDDEN" ? "M_INVALID_ROOM_STATE" : placed.errcode;
				return { ok: false, errcode, error: `${template.type}: ${placed.error}` };
			}
			state.set(placed.value.event);
			built.push(placed.value);
		}
		const now = input.origin_server_ts;
		this.commit(built, config.serverName, now, undefined, () => store.initRoom(create.room_id, rules.id, now));
		await this.deps.scheduleDrain();
		return { ok: true, value: { room_id: create.room_id, event_ids: built.map((b) => b.event.event_id) } };
	}
}
