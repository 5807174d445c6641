// The membership routes' door to other servers (ARCHITECTURE.md: worker code reaches the bridge only
// through interfaces on the Hono context): joining a room whose residents are elsewhere.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";

export interface RoomFederationPort {
	/** make_join/send_join through `servers` in turn; on success the room exists here with our join in it. */
	joinRemote(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ event_id: string }>>;
}
