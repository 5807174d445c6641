// PUT /rooms/{roomId}/typing/{userId}: start or stop a typing notification (own user, joined rooms only).
// Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidtypinguserid

import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { roomIdParam } from "../room/client-send";
import { ownUserParam } from "./own-user-param";

interface TypingBody {
	typing: boolean;
	timeout: number | null;
}

function validTyping(body: JsonObject): TypingBody | undefined {
	if (body.typing === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing typing");
	if (typeof body.typing !== "boolean") return undefined;
	const timeout = body.timeout;
	if (timeout !== undefined && (typeof timeout !== "number" || !Number.isSafeInteger(timeout) || timeout < 0)) return undefined;
	return { typing: body.typing, timeout: timeout ?? null };
}

export const typingEndpoints: Endpoint[] = [
	{
		method: "PUT",
		path: "/_matrix/client/v3/rooms/:roomId/typing/:userId",
		auth: "user",
		// Clients renew typing every few seconds while the user types.
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const roomId = roomIdParam(c.req.param("roomId"));
			const userId = ownUserParam(c, "set typing");
			const body = await readJsonBody(c, validTyping);
			unwrapRpc(await c.env.ROOM.getByName(roomId).setTyping(userId, body.typing, body.timeout));
			return c.json({});
		},
	},
];
