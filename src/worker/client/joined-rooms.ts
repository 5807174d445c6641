// GET /joined_rooms: the rooms the caller is joined to, from the D1 membership index the RoomDO outbox keeps.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3joined_rooms

import { roomsWithMembership } from "../d1/memberships";
import type { Endpoint } from "../http/endpoint";

export const joinedRoomsEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/joined_rooms",
		auth: "user",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => c.json({ joined_rooms: await roomsWithMembership(c.env.DB, c.get("user"), "join") }),
	},
];
