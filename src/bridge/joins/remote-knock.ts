// Knocking on a room this server does not hold: make_knock (room-version negotiation) and send_knock v1
// through the candidate servers; the answer's knock_room_state (stripped) is kept with the knock, so the user's
// /sync shows the room in `rooms.knock` until an invite, a join or a retraction replaces it.
// Spec: https://spec.matrix.org/latest/server-server-api/#knocking-upon-a-room

import type { Config } from "../../platform/config";
import type { RpcResult } from "../../protocol/errors";
import { toStrippedState } from "../../protocol/events/client-event";
import type { JsonObject } from "../../protocol/events/pdu";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";
import { RawJson } from "../client/federation-port";
import { isObject, makeMembershipEvent } from "./make-membership-event";
import { strippedStateOf } from "./stripped-state";

export type RemoteKnockEnv = FederationClientEnv & Pick<Env, "ROOM">;

const enc = encodeURIComponent;

export async function knockRemoteRoom(env: RemoteKnockEnv, config: Config, userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ event_id: string }>> {
	const reasons: string[] = [];
	for (const server of [...new Set(servers)].filter((s) => s !== config.serverName)) {
		const made = await makeMembershipEvent(env, config, server, "knock", userId, roomId, content);
		if (typeof made !== "string" && !("pdu" in made)) return made;
		if (typeof made === "string") {
			reasons.push(`${server}: ${made}`);
			continue;
		}
		const sent = await federationRequest(env, config, server, "PUT", `/_matrix/federation/v1/send_knock/${enc(roomId)}/${enc(made.event_id)}`, new RawJson(JSON.stringify(made.pdu)));
		if (!sent.ok) {
			reasons.push(`${server}: send_knock ${sent.kind} ${sent.status ?? ""}`);
			continue;
		}
		const stripped = [...strippedStateOf(isObject(sent.body) ? sent.body.knock_room_state : undefined), toStrippedState(made.pdu)];
		const stored = await env.ROOM.getByName(roomId).receiveRemoteInvite(roomId, userId, { event_id: made.event_id, origin: server, membership: "knock", stripped_state: stripped });
		return stored.ok ? { ok: true, value: { event_id: made.event_id } } : stored;
	}
	return { ok: false, errcode: "M_UNKNOWN", error: reasons.length === 0 ? "No server to knock through" : `Could not knock through any server (${reasons.join("; ")})` };
}
