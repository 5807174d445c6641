// GET /_matrix/client/v1/room_summary/{roomIdOrAlias}: a room's summary for someone deciding whether to join.
// Local rooms and local aliases only: a remote room needs a federation summary request (a later issue).
// Authentication is optional: anonymous callers see public, knockable and world-readable rooms.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1room_summaryroomidoralias

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { parseRoomAlias } from "../../protocol/ids/room-alias";
import { parseRoomId } from "../../protocol/ids/room-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { resolveLocalAlias } from "../d1/memberships";
import { authenticateUser } from "../http/auth-user";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { mayPreview, roomSummary } from "./room-access";

/** The room ID the path names (resolving a local alias), or null when we know no such room. */
async function targetRoom(c: Context<AppEnv>, idOrAlias: string): Promise<string | null> {
	if (idOrAlias.startsWith("#")) {
		const alias = parseRoomAlias(idOrAlias);
		if (alias === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room alias");
		return serverNameOf(alias) === c.get("config").serverName ? resolveLocalAlias(c.env.DB, alias) : null;
	}
	if (parseRoomId(idOrAlias) === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID or alias");
	return idOrAlias;
}

/** Runs user auth when the request carries a token (a bad token is still 401); null for anonymous callers. */
async function optionalUser(c: Context<AppEnv>): Promise<string | null> {
	if (c.req.header("Authorization") === undefined && c.req.query("access_token") === undefined) return null;
	await authenticateUser(c, async () => {});
	return c.get("user");
}

export const roomSummaryEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v1/room_summary/:roomIdOrAlias",
		// "Servers MAY allow unauthenticated access": auth is optional, so the handler runs it itself when a token is given.
		auth: "none",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const user = await optionalUser(c);
			const roomId = await targetRoom(c, c.req.param("roomIdOrAlias") ?? "");
			const view = roomId === null ? null : await roomSummary(c.env, roomId, user);
			// A room the caller may not preview is reported exactly like a missing one, so its existence stays hidden.
			if (view === null || !(await mayPreview(c.env, view, user))) throw new MatrixError("M_NOT_FOUND", "Room not found");
			// Authenticated callers learn their membership; none at all reads as "leave".
			return c.json({ ...view.summary, ...(user === null ? {} : { membership: view.membership ?? "leave" }) });
		},
	},
];
