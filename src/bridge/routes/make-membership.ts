// Shared by make_join and make_leave: the room builds an unsigned membership template for the origin's user.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1make_joinroomiduserid,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1make_leaveroomiduserid

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import type { AppEnv } from "../../worker/http/context";
import { roomParam } from "./room-read";

export async function makeMembership(c: Context<AppEnv>, kind: "join" | "leave"): Promise<Response> {
	const roomId = roomParam(c);
	const userId = c.req.param("userId");
	if (parseUserId(userId) === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
	// make_join: "ver: The room versions the sending server has support for. Defaults to [1]."
	const versions = kind === "join" ? (c.req.queries("ver") ?? ["1"]) : null;
	const text = unwrapRpc(
		await c.env.ROOM.getByName(roomId).federationMakeMembershipJson({ origin: c.get("origin"), user_id: userId!, kind, supported_versions: versions, now: Date.now() }),
	);
	return c.body(text, 200, { "content-type": "application/json" });
}
