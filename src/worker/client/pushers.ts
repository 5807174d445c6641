// Pushers: list and set (create, update, delete) the caller's push gateways, kept in D1 (d1/pushers.ts).
// Delivery to gateways is a later issue.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3pushers

import { parsePusherRequest } from "../../protocol/push/pusher";
import { deletePusher, listPushers, setPusher } from "../d1/pushers";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";

export const pushersEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/pushers",
		auth: "user",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => c.json({ pushers: await listPushers(c.env.DB, c.get("user")) }),
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/pushers/set",
		auth: "user",
		// The spec marks it rate-limited; clients set a pusher once per session.
		rateLimit: { perSecond: 1, burst: 10 },
		handler: async (c) => {
			const request = parsePusherRequest(await readJsonBody(c));
			if (request.action === "delete") await deletePusher(c.env.DB, c.get("user"), request.app_id, request.pushkey);
			else await setPusher(c.env.DB, c.get("user"), c.get("device"), request.pusher, request.append, Date.now());
			return c.json({});
		},
	},
];
