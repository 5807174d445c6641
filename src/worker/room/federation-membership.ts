// Inbound joins, leaves and knocks from remote users: make_join / make_leave / make_knock build an
// unsigned template against current state (a restricted join names the local member who vouches for
// it); send_join / send_leave / send_knock check the signed event like every received PDU and store it.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms,
// https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites,
// https://spec.matrix.org/latest/server-server-api/#knocking-upon-a-room,
// https://spec.matrix.org/latest/server-server-api/#restricted-rooms

import { authTypesForEvent } from "../../protocol/auth";
import { buildEventDraft } from "../../protocol/events/build-event";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { JsonObject, Pdu, PduDraft, RoomEvent } from "../../protocol/events/pdu";
import type { RpcResult } from "../../protocol/errors";
import { serverAllowedByAcl } from "../../protocol/federation/server-acl";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { StoredEvents } from "./federation-events";
import type { FederationIngest } from "./federation-ingest";
import type { FederationServe } from "./federation-serve";
import type { FederationStore } from "./federation-store";
import { checkAgainstState } from "./federation-step-5-state-before";
import { currentStateMap } from "./federation-step-6-soft-fail";
import { allowRoomsFor, authorisingUser, type CurrentLookup } from "./restricted-join";
import { type RoomStore, stateKeyOf } from "./store";
import type { OutboxStore } from "./outbox-store";
import { strippedStatePdus } from "./stripped-state";
import type { WriteStore } from "./write-store";

export type MembershipKind = "join" | "leave" | "knock";

export interface MakeMembershipRequest {
	origin: string;
	user_id: string;
	kind: MembershipKind;
	/** make_join's (make_knock's) `ver` values: the room versions the joining server supports. */
	supported_versions: readonly string[] | null;
	now: number;
	/** Restricted rooms: the bridge found the user joined to a room the join rules allow. */
	restricted_allowed?: boolean;
}

/** send_knock's answer: "knock_room_state: ... stripped state events to help the initiator of the knock identify the room". */
export interface SendKnockResponse {
	knock_room_state: Pdu[];
}

export interface SendJoinResponse {
	origin: string;
	event: Pdu;
	state: Pdu[];
	auth_chain: Pdu[];
	members_omitted: false;
}

const forbidden = (error: string): RpcResult<never> => ({ ok: false, errcode: "M_FORBIDDEN", error });

export class FederationMembership {
	constructor(
		private readonly deps: {
			storage: DurableObjectStorage;
			store: RoomStore;
			fed: FederationStore;
			writes: WriteStore;
			outbox: OutboxStore;
			ingest: FederationIngest;
			serve: FederationServe;
			server_name: () => string;
			scheduleDrain: () => Promise<void>;
		},
	) {}

	/**
	 * The joining (leaving, knocking) server talks only to us, so the other servers in the room hear of its
	 * event from us: "the signed copy of the membership event sent to other servers by the resident server".
	 * Those of the joined members now, less the origin (it has the event) and us.
	 */
	private async forwardToRoom(origin: string, eventId: string, now: number): Promise<void> {
		const position = this.deps.writes.getEventMeta(eventId)?.stream_ordering ?? null;
		if (position === null) return;
		const servers = new Set<string>();
		for (const user of this.deps.writes.membersWith(["join"])) {
			const server = serverNameOf(user);
			if (server !== undefined && server !== origin && server !== this.deps.server_name()) servers.add(server);
		}
		if (servers.size === 0) return;
		this.deps.storage.transactionSync(() => this.deps.outbox.addFederation(eventId, position, [...servers].sort(), now));
		await this.deps.scheduleDrain();
	}

	private aclAllows(origin: string): boolean {
		const id = this.deps.writes.getCurrentStateEventId("m.room.server_acl", "");
		const text = id === null ? null : this.deps.store.getPdu(id);
		return serverAllowedByAcl(text === null ? null : (JSON.parse(text) as Pdu).content, origin);
	}

	async make(req: MakeMembershipRequest): Promise<RpcResult<{ event: PduDraft; room_version: string }>> {
		const { store, fed } = this.deps;
		const info = store.getRoomInfo();
		if (info === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		const rules = roomVersionRules(info.room_version);
		if (!rules) return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "Unsupported room version" };
		// "The room version of the room must be one of the versions the joining server listed in `ver`."
		if (req.supported_versions !== null && !req.supported_versions.includes(info.room_version)) {
			return { ok: false, errcode: "M_INCOMPATIBLE_ROOM_VERSION", error: "Your server does not support this room's version", extra: { room_version: info.room_version } };
		}
		if (serverNameOf(req.user_id) !== req.origin) return forbidden("The user is not on the requesting server");
		if (!this.aclAllows(req.origin)) return forbidden("Server is banned by the room's server ACL");

		const content: JsonObject = { membership: req.kind };
		const state = currentStateMap(store);
		if (req.kind === "join") {
			const current = await this.lookup(rules, state, [req.user_id, ...this.localJoined()]);
			const allowRooms = allowRoomsFor(rules, current, req.user_id);
			if (allowRooms !== null && req.restricted_allowed === true) {
				// "The resident server ... must pick a user with the power to invite": the join names them.
				const authoriser = authorisingUser(rules, current, this.localJoined(), this.deps.server_name());
				if (authoriser === null) return { ok: false, errcode: "M_UNABLE_TO_GRANT_JOIN", error: "No user here may invite you to this room; try another server" };
				content.join_authorised_via_users_server = authoriser;
			}
		}
		const authEvents = authTypesForEvent(rules, "m.room.member", req.user_id, req.user_id, content).flatMap(([t, k]) => state.get(stateKeyOf(t, k)) ?? []);
		const prev = store.getForwardExtremities();
		const depth = Math.max(0, ...prev.map((id) => fed.flags(id)?.depth ?? 0)) + 1;
		const draft = buildEventDraft(rules, {
			type: "m.room.member",
			state_key: req.user_id,
			sender: req.user_id,
			content,
			room_id: info.room_id,
			origin_server_ts: req.now,
			prev_events: prev,
			auth_events: authEvents,
			depth,
		});
		// Refuse a join the room would reject, as Synapse does: the remote must not sign a doomed event.
		const probe: RoomEvent = {
			event_id: "$make_membership_probe",
			room_id: info.room_id,
			type: "m.room.member",
			state_key: req.user_id,
			sender: req.user_id,
			origin_server_ts: req.now,
			content,
			depth,
			prev_events: prev,
			auth_events: authEvents,
			// A vouched-for join will carry our signature (send_join adds it); the probe stands in for it.
			pdu: { ...draft, prev_events: [...prev], auth_events: authEvents, hashes: { sha256: "" }, signatures: "join_authorised_via_users_server" in content ? { [this.deps.server_name()]: { "ed25519:probe": "" } } : {} },
		};
		const check = await checkAgainstState(new StoredEvents(rules, fed), probe, state);
		if (check.kind !== "pass") return forbidden(check.kind === "fail" ? check.reason : "The room's state is incomplete");
		return { ok: true, value: { event: draft, room_version: info.room_version } };
	}

	/** The allowed rooms a restricted join must be checked against (room/restricted-join.ts); null if none is needed. */
	async restrictedAllowRooms(userId: string): Promise<string[] | null> {
		const info = this.deps.store.getRoomInfo();
		const rules = info && roomVersionRules(info.room_version);
		if (!rules) return null;
		return allowRoomsFor(rules, await this.lookup(rules, currentStateMap(this.deps.store), [userId]), userId);
	}

	private localJoined(): string[] {
		const me = this.deps.server_name();
		return this.deps.writes.membersWith(["join"]).filter((u) => serverNameOf(u) === me);
	}

	/** A synchronous view of the current state events the restricted-join rules read. */
	private async lookup(rules: NonNullable<ReturnType<typeof roomVersionRules>>, state: Map<string, string>, users: readonly string[]): Promise<CurrentLookup> {
		const events = new StoredEvents(rules, this.deps.fed);
		const loaded = new Map<string, RoomEvent>();
		const keys: [string, string][] = [["m.room.create", ""], ["m.room.join_rules", ""], ["m.room.power_levels", ""], ...users.map((u): [string, string] => ["m.room.member", u])];
		for (const [type, key] of keys) {
			const id = state.get(stateKeyOf(type, key));
			const event = id === undefined ? undefined : await events.get(id);
			if (event) loaded.set(stateKeyOf(type, key), event);
		}
		return (type, key) => loaded.get(stateKeyOf(type, key));
	}

	/** Checks 4–6 and the write through the ingest path, then (for joins) the room state the joiner needs. */
	async send(origin: string, kind: MembershipKind, eventId: string, pduJson: string, now: number): Promise<RpcResult<SendJoinResponse | SendKnockResponse | null>> {
		const { store, serve } = this.deps;
		const info = store.getRoomInfo();
		const rules = info && roomVersionRules(info.room_version);
		if (!info || !rules) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		let event: RoomEvent;
		try {
			event = await toRoomEvent(JSON.parse(pduJson) as Pdu, rules);
		} catch {
			return { ok: false, errcode: "M_BAD_JSON", error: "Malformed event" };
		}
		if (event.event_id !== eventId) return { ok: false, errcode: "M_BAD_JSON", error: "Event ID does not match the path" };
		if (event.room_id !== info.room_id) return { ok: false, errcode: "M_BAD_JSON", error: "Event is for another room" };
		if (event.type !== "m.room.member" || event.state_key !== event.sender || event.content.membership !== kind) {
			return { ok: false, errcode: "M_BAD_JSON", error: `Not a ${kind} event of its sender` };
		}
		if (serverNameOf(event.sender) !== origin) return forbidden("The user is not on the requesting server");
		if (!this.aclAllows(origin)) return forbidden("Server is banned by the room's server ACL");

		const result = await this.deps.ingest.ingest([{ pdu_json: pduJson, outlier: false }], now);
		if (!result.ok) return result;
		const outcome = result.value[0]!;
		const stored = this.deps.fed.flags(eventId);
		const refused = outcome.status === "rejected" || outcome.status === "soft_failed" || outcome.status === "error" || stored?.rejected || stored?.soft_failed;
		if (refused || stored === null) return forbidden(`The ${kind} was not allowed: ${outcome.reason ?? outcome.status}`);
		// A retried send ("known") is forwarded again: we may have stopped before the first forward, and
		// the receivers dedupe by event ID.
		await this.forwardToRoom(origin, eventId, now);
		if (kind === "leave") return { ok: true, value: null };
		if (kind === "knock") return { ok: true, value: { knock_room_state: strippedStatePdus(store, null) } };

		// "state: The resolved current room state prior to the join event", and the auth chain of it and the join.
		const ids = serve.stateIds(eventId);
		if (!ids.ok) return ids;
		const authChain = serve.authChain([...ids.value.pdu_ids, eventId]);
		const pduOf = (id: string): Pdu[] => {
			const text = store.getPdu(id);
			return text === null ? [] : [JSON.parse(text) as Pdu];
		};
		return {
			ok: true,
			value: {
				origin: this.deps.server_name(),
				event: JSON.parse(pduJson) as Pdu,
				state: ids.value.pdu_ids.flatMap(pduOf),
				auth_chain: authChain.flatMap(pduOf),
				members_omitted: false,
			},
		};
	}
}
