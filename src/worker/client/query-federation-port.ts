// The directory and profile routes' door to other servers (ARCHITECTURE.md: worker code reaches the bridge
// only through interfaces on the Hono context): resolving another server's room alias and reading the
// profile of another server's user, and listing another server's public room directory.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1querydirectory,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1queryprofile,
// https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1publicrooms

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";

export interface QueryFederationPort {
	/** Asks the alias's own server; M_NOT_FOUND when it knows no such alias. */
	queryDirectory(alias: string): Promise<RpcResult<{ room_id: string; servers: string[] }>>;
	/** Asks the user's own server for their profile (`field`: one key only); M_NOT_FOUND for no such user or field. */
	queryProfile(userId: string, field?: string): Promise<RpcResult<Record<string, JsonValue>>>;
	/** One page of `server`'s published rooms; `request` is the federation POST body (limit, since, filter, networks). */
	publicRooms(server: string, request: JsonObject): Promise<RpcResult<JsonObject>>;
}
