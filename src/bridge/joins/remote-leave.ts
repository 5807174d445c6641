// Rejecting an invite to (or retracting a knock on) a room this server does not hold: make_leave and
// send_leave v2 through the inviting server, then the room ID's server. If none answers, the rejection is
// still made here ("the invite is rejected locally"), so the user's /sync shows the room in `leave`.
// Spec: https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites

import type { Config } from "../../platform/config";
import type { RpcResult } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";
import { RawJson } from "../client/federation-port";
import { makeMembershipEvent } from "./make-membership-event";

export type RemoteLeaveEnv = FederationClientEnv & Pick<Env, "ROOM">;

const enc = encodeURIComponent;

/** One make_leave + send_leave through `server`: the leave's event ID, or why it failed. */
async function leaveVia(env: RemoteLeaveEnv, config: Config, server: string, userId: string, roomId: string, content: JsonObject): Promise<string | { event_id: string }> {
	const made = await makeMembershipEvent(env, config, server, "leave", userId, roomId, content);
	if (typeof made === "string") return made;
	if (!("pdu" in made)) return `make_leave: ${made.ok ? "" : made.errcode}`;
	const sent = await federationRequest(env, config, server, "PUT", `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(made.event_id)}`, new RawJson(JSON.stringify(made.pdu)));
	return sent.ok ? { event_id: made.event_id } : `send_leave: ${sent.kind} ${sent.status ?? ""}`;
}

/**
 * The user's remote invite (or knock) becomes "leave" here whether or not a resident took the leave;
 * `remote` says whether one did.
 */
export async function leaveRemoteRoom(env: RemoteLeaveEnv, config: Config, userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ remote: boolean }>> {
	const room = env.ROOM.getByName(roomId);
	const held = await room.remoteInviteOf(userId);
	if (held === null || held.membership === "leave") return { ok: false, errcode: "M_FORBIDDEN", error: "You are not invited to this room" };
	let left: { event_id: string } | null = null;
	for (const server of [...new Set(servers)].filter((s) => s !== config.serverName)) {
		const attempt = await leaveVia(env, config, server, userId, roomId, content);
		if (typeof attempt !== "string") {
			left = attempt;
			break;
		}
	}
	const marked = await room.receiveRemoteInvite(roomId, userId, { event_id: left?.event_id ?? held.event_id, origin: held.origin, membership: "leave", stripped_state: [] });
	return marked.ok ? { ok: true, value: { remote: left !== null } } : marked;
}
