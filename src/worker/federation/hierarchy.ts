// GET /_matrix/federation/v1/hierarchy/{roomId}?suggested_only=: a space and its direct children for a
// remote server, which walks further itself. Built from the same room summaries and access rule as the
// client API's /hierarchy (client/space-hierarchy.ts, client/room-access.ts), with the requesting server
// in the place of a user, and each room's server ACL applied.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1hierarchyroomid

import { MatrixError } from "../../protocol/errors";
import { parseRoomId } from "../../protocol/ids/room-id";
import type { Endpoint } from "../http/endpoint";
import type { RoomSummaryView } from "../room/room-summary";
import { mayServerPreview, roomSummary } from "../client/room-access";
import { boolParam, childrenOf } from "../client/space-hierarchy";

/** Children summarised per request; a larger space lists the rest of its children in children_state only. */
const MAX_CHILDREN = 50;

type Access = "ok" | "acl" | "private" | "unknown";

/** Whether `origin` may see the room's summary: unknown here, denied by its ACL, unable to peek/join it, or ok. */
async function accessOf(env: Env, roomId: string, origin: string): Promise<{ access: Access; view: RoomSummaryView | null }> {
	const [gate, view] = await Promise.all([env.ROOM.getByName(roomId).federationServerAccess(origin), roomSummary(env, roomId, null)]);
	if (gate === null || view === null) return { access: "unknown", view: null };
	if (!gate.acl_allowed) return { access: "acl", view };
	if (!(await mayServerPreview(env, view, origin, gate.joined))) return { access: "private", view };
	return { access: "ok", view };
}

export const federationHierarchyEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/hierarchy/:roomId",
		auth: "server",
		rateLimit: { perSecond: 2, burst: 10 },
		handler: async (c) => {
			const roomId = parseRoomId(c.req.param("roomId"));
			if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
			const suggestedOnly = boolParam(c, "suggested_only");
			const origin = c.get("origin");
			const root = await accessOf(c.env, roomId, origin);
			if (root.access === "acl") throw new MatrixError("M_FORBIDDEN", "Server is banned by the room's server ACL");
			// 404 "The room is not known to the server or the requesting server is unable to peek/join it".
			if (root.access !== "ok") throw new MatrixError("M_NOT_FOUND", "Room not found or not accessible");
			const childrenState = childrenOf(root.view!, { suggestedOnly });
			const children: RoomSummaryView["summary"][] = [];
			const inaccessible: string[] = [];
			const ids = [...new Set(childrenState.map((e) => e.state_key))].filter((id) => parseRoomId(id) !== undefined).slice(0, MAX_CHILDREN);
			const answers = await Promise.all(ids.map((id) => accessOf(c.env, id, origin)));
			ids.forEach((id, i) => {
				const { access, view } = answers[i]!;
				// "Rooms which the responding server cannot provide details on will be outright excluded."
				if (access === "ok") children.push(view!.summary);
				else if (access !== "unknown") inaccessible.push(id);
			});
			return c.json({ room: { ...root.view!.summary, children_state: childrenState }, children, inaccessible_children: inaccessible });
		},
	},
];
