// GET /_matrix/client/v1/mutual_rooms?user_id=: the rooms where both the caller and another user are
// joined, from the D1 membership index (room_memberships, kept by each RoomDO). Only local users have rows
// there, so a remote user shares no rooms we can vouch for: an empty list, as for an unknown user.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mutual_rooms

import { MatrixError } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import { mutualJoinedRooms } from "../d1/mutual-rooms";
import type { Endpoint } from "../http/endpoint";

/** Rooms per page; the token is the last room ID of the previous page (the list is sorted by room ID). */
const PAGE = 100;

export const mutualRoomsEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v1/mutual_rooms",
		auth: "user",
		rateLimit: { perSecond: 2, burst: 20 },
		handler: async (c) => {
			const raw = c.req.query("user_id");
			if (raw === undefined) throw new MatrixError("M_MISSING_PARAM", "user_id is required");
			const other = parseUserId(raw);
			// "400: the user_id parameter was missing, non-compliant, or was the sender's own user ID."
			if (other === undefined) throw new MatrixError("M_INVALID_PARAM", "The user ID provided was invalid");
			const me = c.get("user");
			if (other === me) throw new MatrixError("M_INVALID_PARAM", "Cannot list mutual rooms with yourself");
			const from = c.req.query("from");
			if (from !== undefined && !from.startsWith("!")) throw new MatrixError("M_INVALID_PARAM", "Unknown pagination token");
			const { rooms, count } = await mutualJoinedRooms(c.env.DB, me, other, from ?? null, PAGE + 1);
			const page = rooms.slice(0, PAGE);
			return c.json({ joined: page, count, ...(rooms.length > PAGE ? { next_batch: page[page.length - 1] } : {}) });
		},
	},
];
