// Inviting a user on another server from the CS API: the room builds and authorises the invite without
// storing it, we send it with PUT /_matrix/federation/v2/invite to the invitee's server, check the
// answer is our event (same event ID: the reference hash covers all but signatures and `unsigned`) with
// a valid signature of that server, and only then does the room store and federate it. Any failure
// commits nothing. Spec: https://spec.matrix.org/latest/server-server-api/#inviting-to-a-room

import type { Config } from "../../platform/config";
import type { RpcResult } from "../../protocol/errors";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { JsonObject, Pdu } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";
import { RawJson } from "../client/federation-port";
import { checkSignatures } from "../inbound/step-2-signatures";
import { keysWithOurOwn } from "../keys/own-key-source";
import { isObject } from "./make-membership-event";

export type RemoteInviteEnv = FederationClientEnv & Pick<Env, "ROOM">;

interface Prepared {
	pdu_json: string;
	event_id: string;
	room_version: string;
	invite_room_state: Pdu[];
}

const enc = encodeURIComponent;

export async function inviteRemoteUser(env: RemoteInviteEnv, config: Config, roomId: string, sender: string, target: string, content: JsonObject): Promise<RpcResult<{ event_id: string }>> {
	const server = serverNameOf(target);
	if (server === undefined || server === config.serverName) return { ok: false, errcode: "M_INVALID_PARAM", error: "Not a user on another server" };
	const room = env.ROOM.getByName(roomId);
	const prepared = await room.prepareRemoteInviteJson({ sender, type: "m.room.member", state_key: target, content: { ...content, membership: "invite" }, origin_server_ts: Date.now() });
	if (!prepared.ok) return prepared;
	const { pdu_json, event_id, room_version, invite_room_state } = JSON.parse(prepared.value) as Prepared;
	const rules = roomVersionRules(room_version)!;
	// The event goes byte for byte as signed; the body's other members around it.
	const body = `{"event":${pdu_json},"invite_room_state":${JSON.stringify(invite_room_state)},"room_version":${JSON.stringify(room_version)}}`;
	const sent = await federationRequest(env, config, server, "PUT", `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(event_id)}`, new RawJson(body));
	if (!sent.ok) {
		if (sent.remoteErrcode === "M_INCOMPATIBLE_ROOM_VERSION") return { ok: false, errcode: "M_UNSUPPORTED_ROOM_VERSION", error: "The invitee's server does not support this room's version" };
		// A 4xx is the invitee's server saying no (unknown user, policy): the inviter may not invite them.
		if (sent.kind === "http" && sent.status !== undefined && sent.status >= 400 && sent.status < 500) return { ok: false, errcode: "M_FORBIDDEN", error: "The invitee's server refused the invite" };
		return { ok: false, errcode: "M_UNKNOWN", error: `Could not reach the invitee's server (${sent.kind})`, status: 502 };
	}
	const returned = isObject(sent.body) && isObject(sent.body.event) ? (sent.body.event as unknown as Pdu) : null;
	const same = returned === null ? null : await toRoomEvent(returned, rules).catch(() => null);
	if (returned === null || same?.event_id !== event_id) return { ok: false, errcode: "M_UNKNOWN", error: "The invitee's server returned another event", status: 502 };
	const verdict = await checkSignatures(returned, rules, keysWithOurOwn(env, config), [server]);
	if (verdict.verdict !== "ok") return { ok: false, errcode: "M_UNKNOWN", error: "The invitee's server did not validly sign the invite", status: 502 };
	// The countersigned copy without whatever `unsigned` the remote added: we are the event's origin.
	const { unsigned: _u, ...signed } = returned;
	const stored = await room.commitPreparedEvent(JSON.stringify(signed), Date.now());
	return stored.ok ? { ok: true, value: { event_id: stored.value.event_id } } : stored;
}
