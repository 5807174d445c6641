// GET/PUT /presence/{userId}/status. Presence is kept for local users by their UserDO; setting is own user only.
// Spec: https://spec.matrix.org/latest/client-server-api/#presence

import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { parseUserId } from "../../protocol/ids/user-id";
import { getAccount } from "../d1/accounts";
import { sharesRoomWith } from "../d1/shared-rooms";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { isPresenceState } from "../user/sync/presence";
import type { PresenceState } from "../user/sync/types";
import { ownUserParam } from "./own-user-param";

const PATH = "/_matrix/client/v3/presence/:userId/status";

function validPresence(body: JsonObject): { presence: PresenceState; status_msg: string | null | undefined } | undefined {
	if (body.presence === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing presence");
	if (!isPresenceState(body.presence)) return undefined;
	const msg = body.status_msg;
	if (msg !== undefined && msg !== null && typeof msg !== "string") return undefined;
	return { presence: body.presence, status_msg: msg };
}

export const presenceEndpoints: Endpoint[] = [
	{
		method: "PUT",
		path: PATH,
		auth: "user",
		rateLimit: { perSecond: 1, burst: 10 },
		handler: async (c) => {
			const userId = ownUserParam(c, "set presence");
			const body = await readJsonBody(c, validPresence);
			await c.env.USER.getByName(userId).setPresence(body.presence, body.status_msg);
			return c.json({});
		},
	},
	{
		method: "GET",
		path: PATH,
		auth: "user",
		rateLimit: null,
		handler: async (c) => {
			const userId = parseUserId(c.req.param("userId"));
			if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
			const requester = c.get("user");
			// A remote user's presence is what their server sent (m.presence) to the requester, who shares a room
			// with them; spec 404 "There is no presence state for this user" when it sent none.
			if (serverNameOf(userId) !== c.get("config").serverName) {
				const remote = await c.env.USER.getByName(requester).getOthersPresence(userId);
				if (remote === null) throw new MatrixError("M_NOT_FOUND", "No presence for this user");
				return c.json(remote);
			}
			if ((await getAccount(c.env.DB, userId)) === null) throw new MatrixError("M_NOT_FOUND", "No presence for this user");
			// Spec 403 "You are not allowed to see their presence": like Synapse, presence is visible to
			// oneself and to users who share a room (the same audience /sync's presence section has).
			if (requester !== userId && !(await sharesRoomWith(c.env.DB, requester, userId))) {
				throw new MatrixError("M_FORBIDDEN", "You are not allowed to see their presence");
			}
			return c.json(await c.env.USER.getByName(userId).getPresence());
		},
	},
];
