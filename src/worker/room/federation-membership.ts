// Inbound joins and leaves from remote users: make_join / make_leave build an unsigned template against
// current state; send_join / send_leave check the signed event as any received PDU and store it.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms,
// https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites

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
import { type RoomStore, stateKeyOf } from "./store";
import type { WriteStore } from "./write-store";

export type MembershipKind = "join" | "leave";

export interface MakeMembershipRequest {
	origin: string;
	user_id: string;
	kind: MembershipKind;
	/** make_join's `ver` values: the room versions the joining server supports. */
	supported_versions: readonly string[] | null;
	now: number;
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
		private readonly deps: { store: RoomStore; fed: FederationStore; writes: WriteStore; ingest: FederationIngest; serve: FederationServe; server_name: () => string },
	) {}

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
			pdu: { ...draft, prev_events: [...prev], auth_events: authEvents, hashes: { sha256: "" }, signatures: {} },
		};
		const check = await checkAgainstState(new StoredEvents(rules, store, fed), probe, state);
		if (check.kind !== "pass") return forbidden(check.kind === "fail" ? check.reason : "The room's state is incomplete");
		return { ok: true, value: { event: draft, room_version: info.room_version } };
	}

	/** Checks 4–6 and the write through the ingest path, then (for joins) the room state the joiner needs. */
	async send(origin: string, kind: MembershipKind, eventId: string, pduJson: string, now: number): Promise<RpcResult<SendJoinResponse | null>> {
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
		if (kind === "leave") return { ok: true, value: null };

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
