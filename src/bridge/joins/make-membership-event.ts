// The first half of every outbound membership handshake: GET make_join / make_leave / make_knock from one
// resident server, check the template is the event we asked for, fill in our content and sign it with
// our key. The caller sends it with send_join / send_leave / send_knock.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms,
// https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites,
// https://spec.matrix.org/latest/server-server-api/#knocking-upon-a-room

import type { Config } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";
import type { RpcResult } from "../../protocol/errors";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { JsonObject, Pdu, PduDraft } from "../../protocol/events/pdu";
import { signEvent } from "../../protocol/events/sign-event";
import { roomVersionRules, type RoomVersionRules } from "../../protocol/room-versions/rules";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";

/** The versions we offer in make_join's `ver`: those whose event format, auth rules and state res we implement. */
export const JOINABLE_ROOM_VERSIONS = ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12"] as const;

export type OutboundMembership = "join" | "leave" | "knock";

export interface SignedMembershipEvent {
	room_version: string;
	rules: RoomVersionRules;
	pdu: Pdu;
	event_id: string;
}

const enc = encodeURIComponent;
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const INCOMPATIBLE: RpcResult<never> = { ok: false, errcode: "M_INCOMPATIBLE_ROOM_VERSION", error: "The room's version is not supported here" };

/**
 * One make_* request against `server` and our signature on the answer. A failed RpcResult is final (no
 * other server will answer differently); a string explains a failure another server might not have.
 */
export async function makeMembershipEvent(
	env: FederationClientEnv,
	config: Config,
	server: string,
	kind: OutboundMembership,
	userId: string,
	roomId: string,
	content: JsonObject,
): Promise<SignedMembershipEvent | RpcResult<never> | string> {
	// make_leave takes no `ver`: we only leave rooms we were invited to or knocked on.
	const ver = kind === "leave" ? "" : `?${JOINABLE_ROOM_VERSIONS.map((v) => `ver=${v}`).join("&")}`;
	const made = await federationRequest(env, config, server, "GET", `/_matrix/federation/v1/make_${kind}/${enc(roomId)}/${enc(userId)}${ver}`);
	if (!made.ok) {
		if (made.remoteErrcode === "M_INCOMPATIBLE_ROOM_VERSION") return INCOMPATIBLE;
		return `make_${kind}: ${made.kind} ${made.status ?? ""}${made.remoteErrcode ? ` ${made.remoteErrcode}` : ""}`;
	}
	const body = made.body;
	if (!isObject(body) || !isObject(body.event)) return `make_${kind}: malformed answer`;
	// "room_version: ... If not provided, the room version is assumed to be either '1' or '2'."
	const version = typeof body.room_version === "string" ? body.room_version : "1";
	const rules = (JOINABLE_ROOM_VERSIONS as readonly string[]).includes(version) ? roomVersionRules(version) : undefined;
	if (!rules) return INCOMPATIBLE;
	const template = body.event;
	if (template.type !== "m.room.member" || template.state_key !== userId || template.sender !== userId || template.room_id !== roomId) {
		return `make_${kind}: template is not our ${kind}`;
	}
	const { signatures: _sig, hashes: _h, unsigned: _u, event_id: _e, ...rest } = template;
	const draft = { ...rest, origin_server_ts: Date.now(), content: { ...content, membership: kind } } as unknown as PduDraft;
	// Restricted rooms: the resident names the local user who vouches for the join; it must stay.
	if (kind === "join" && isObject(template.content) && typeof template.content.join_authorised_via_users_server === "string") {
		draft.content = { ...draft.content, join_authorised_via_users_server: template.content.join_authorised_via_users_server };
	}
	const keys = await getServerKeys(env.DB, config);
	const pdu = await signEvent(draft, config.serverName, keys.current, rules);
	return { room_version: version, rules, pdu, event_id: (await toRoomEvent(pdu, rules)).event_id };
}
