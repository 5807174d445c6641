// Third-party networks (bridges): protocols, locations and users. We run no application services, so
// there are no protocols: the list is empty and every per-protocol lookup is the spec's "unknown protocol"
// (404 M_NOT_FOUND); reverse lookups by Matrix alias or user ID find nothing, an empty list.
// Spec: https://spec.matrix.org/latest/client-server-api/#third-party-networks

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { parseRoomAlias } from "../../protocol/ids/room-alias";
import { parseUserId } from "../../protocol/ids/user-id";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";

const BASE = "/_matrix/client/v3/thirdparty";
const LOOKUP_LIMIT: RateLimit = { perSecond: 2, burst: 10 };

function unknownProtocol(): never {
	throw new MatrixError("M_NOT_FOUND", "Unknown third-party protocol");
}

/** A required query parameter that must parse; the spec's 400s for bad input come before "not found". */
function requiredQuery(c: Context<AppEnv>, name: string, valid: (v: string) => boolean): void {
	const value = c.req.query(name);
	if (value === undefined) throw new MatrixError("M_MISSING_PARAM", `${name} is required`);
	if (!valid(value)) throw new MatrixError("M_INVALID_PARAM", `Invalid ${name}`);
}

export const thirdPartyEndpoints: Endpoint[] = [
	{ method: "GET", path: `${BASE}/protocols`, auth: "user", rateLimit: LOOKUP_LIMIT, handler: (c) => c.json({}) },
	{ method: "GET", path: `${BASE}/protocol/:protocol`, auth: "user", rateLimit: LOOKUP_LIMIT, handler: () => unknownProtocol() },
	{ method: "GET", path: `${BASE}/location/:protocol`, auth: "user", rateLimit: LOOKUP_LIMIT, handler: () => unknownProtocol() },
	{ method: "GET", path: `${BASE}/user/:protocol`, auth: "user", rateLimit: LOOKUP_LIMIT, handler: () => unknownProtocol() },
	{
		method: "GET",
		path: `${BASE}/location`,
		auth: "user",
		rateLimit: LOOKUP_LIMIT,
		handler: (c) => {
			requiredQuery(c, "alias", (v) => parseRoomAlias(v) !== undefined);
			return c.json([]);
		},
	},
	{
		method: "GET",
		path: `${BASE}/user`,
		auth: "user",
		rateLimit: LOOKUP_LIMIT,
		handler: (c) => {
			requiredQuery(c, "userid", (v) => parseUserId(v) !== undefined);
			return c.json([]);
		},
	},
];
