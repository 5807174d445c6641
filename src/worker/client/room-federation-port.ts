// The membership routes' door to other servers (ARCHITECTURE.md: worker code reaches the bridge only
// through interfaces on the Hono context): joining, knocking on and leaving rooms whose residents are
// elsewhere, inviting users of other servers, and fetching a room's older history for /messages.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, #inviting-to-a-room,
// #leaving-rooms-rejecting-invites, #knocking-upon-a-room

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";

export interface RoomFederationPort {
	/** make_join/send_join through `servers` in turn; on success the room exists here with our join in it. */
	joinRemote(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ event_id: string }>>;
	/** Invite v2 to the target's server; the room stores the invite only once that server countersigned it. */
	inviteRemote(roomId: string, sender: string, target: string, content: JsonObject): Promise<RpcResult<{ event_id: string }>>;
	/** Rejects a remote invite (or retracts a knock) through `servers`, locally if none answers. */
	leaveRemote(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ remote: boolean }>>;
	/** make_knock/send_knock through `servers` in turn; the knock shows in the user's /sync. */
	knockRemote(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ event_id: string }>>;
	/**
	 * Older events of the room from a server in it (bounded in count and time): how many it stored, or null
	 * when it asked nobody (the room holds its beginning, or just asked in vain). Never throws.
	 */
	backfill(roomId: string): Promise<number | null>;
}
