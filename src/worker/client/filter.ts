// POST /user/{userId}/filter and GET /user/{userId}/filter/{filterId}: stored sync filters, own user only.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3useruseridfilter

import { unwrapRpc } from "../../protocol/errors";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { ownUserParam } from "./own-user-param";

const PATH = "/_matrix/client/v3/user/:userId/filter";

export const filterEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: PATH,
		auth: "user",
		rateLimit: { perSecond: 2, burst: 20 },
		handler: async (c) => {
			const userId = ownUserParam(c, "create filters");
			const body = await readJsonBody(c);
			const filterId = unwrapRpc(await c.env.USER.getByName(userId).createFilterJson(JSON.stringify(body)));
			return c.json({ filter_id: filterId });
		},
	},
	{
		method: "GET",
		path: `${PATH}/:filterId`,
		auth: "user",
		rateLimit: null,
		handler: async (c) => {
			const userId = ownUserParam(c, "read filters");
			const json = unwrapRpc(await c.env.USER.getByName(userId).getFilterJson(c.req.param("filterId") ?? ""));
			return c.body(json, 200, { "content-type": "application/json" });
		},
	},
];
