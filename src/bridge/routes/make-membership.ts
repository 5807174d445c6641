// Shared by make_join, make_leave and make_knock: the room builds an unsigned membership template for
// the origin's user. For a restricted room the bridge first checks the allow rules against the rooms we
// hold (the user must be joined to one), so the room can name a local member who vouches for the join.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1make_joinroomiduserid,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1make_leaveroomiduserid,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1make_knockroomiduserid,
// https://spec.matrix.org/latest/server-server-api/#restricted-rooms

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import type { AppEnv } from "../../worker/http/context";
import type { MembershipKind } from "../../worker/room/federation-membership";
import { roomParam } from "./room-read";

/**
 * Whether the user is joined to one of `allowRooms`. Only rooms we hold can tell: if we hold none, we
 * cannot decide ("M_UNABLE_TO_AUTHORISE_JOIN": the joining server should try another resident).
 */
async function meetsAllowRules(env: Env, userId: string, allowRooms: readonly string[]): Promise<boolean> {
	if (allowRooms.length === 0) return false;
	let heldAny = false;
	for (const roomId of allowRooms) {
		const room = env.ROOM.getByName(roomId);
		if ((await room.getRoomInfo()) === null) continue;
		heldAny = true;
		if ((await room.getMembership(userId)) === "join") return true;
	}
	if (!heldAny) throw new MatrixError("M_UNABLE_TO_AUTHORISE_JOIN", "This server cannot tell whether you may join: it is in none of the allowed rooms");
	return false;
}

export async function makeMembership(c: Context<AppEnv>, kind: MembershipKind): Promise<Response> {
	const roomId = roomParam(c);
	const userId = parseUserId(c.req.param("userId"));
	if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
	// make_join: "ver: The room versions the sending server has support for. Defaults to [1]."; make_knock's is required.
	const ver = c.req.queries("ver");
	if (kind === "knock" && ver === undefined) throw new MatrixError("M_MISSING_PARAM", "ver is required");
	const versions = kind === "leave" ? null : (ver ?? ["1"]);
	const room = c.env.ROOM.getByName(roomId);
	const allowRooms = kind === "join" ? await room.federationRestrictedAllowRooms(userId) : null;
	const allowed = allowRooms !== null && (await meetsAllowRules(c.env, userId, allowRooms));
	const text = unwrapRpc(
		await room.federationMakeMembershipJson({ origin: c.get("origin"), user_id: userId, kind, supported_versions: versions, now: Date.now(), restricted_allowed: allowed }),
	);
	return c.body(text, 200, { "content-type": "application/json" });
}
