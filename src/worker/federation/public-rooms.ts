// GET and POST /_matrix/federation/v1/publicRooms: our published room directory for remote servers, the
// same list and search as the client API's /publicRooms (client/public-rooms.ts). This lives on the worker
// side because the bridge may import worker code only as types (ARCHITECTURE.md).
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1publicrooms,
// https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1publicrooms

import type { Context } from "hono";
import type { DirectoryQuery } from "../../protocol/directory/public-room";
import { MatrixError } from "../../protocol/errors";
import { checkSince, getQuery, listPublicRooms, postQuery } from "../client/public-rooms";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";

function boolQuery(c: Context<AppEnv>, name: string): boolean | undefined {
	const raw = c.req.query(name);
	if (raw === undefined) return undefined;
	if (raw !== "true" && raw !== "false") throw new MatrixError("M_INVALID_PARAM", `${name} must be true or false`);
	return raw === "true";
}

/** "third_party_instance_id: ... Can only be used if include_all_networks is false." */
function checkNetwork(includeAll: boolean | undefined, instance: string | undefined): void {
	if (includeAll === true && instance !== undefined) throw new MatrixError("M_INVALID_PARAM", "third_party_instance_id cannot be used with include_all_networks");
}

export const federationPublicRoomsEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/publicRooms",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const instance = c.req.query("third_party_instance_id");
			checkNetwork(boolQuery(c, "include_all_networks"), instance);
			const query: DirectoryQuery = { ...getQuery(c), ...(instance === undefined ? {} : { thirdPartyInstanceId: instance }) };
			return c.json(await listPublicRooms(c.env, query));
		},
	},
	{
		method: "POST",
		path: "/_matrix/federation/v1/publicRooms",
		auth: "server",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const body = await readJsonBody(c, (b) => {
				const query = postQuery(b);
				return query === undefined ? undefined : { query, includeAll: b.include_all_networks === true };
			});
			checkSince(body.query.since);
			checkNetwork(body.includeAll, body.query.thirdPartyInstanceId);
			return c.json(await listPublicRooms(c.env, body.query));
		},
	},
];
