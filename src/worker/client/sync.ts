// GET /_matrix/client/v3/sync: validates the query and hands the request to the user's UserDO, which
// long-polls and assembles the response (user/sync/).
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { isPresenceState } from "../user/sync/presence";
import type { PresenceState } from "../user/sync/types";

function boolParam(c: Context<AppEnv>, name: string): boolean {
	const raw = c.req.query(name);
	if (raw === undefined || raw === "false") return false;
	if (raw === "true") return true;
	throw new MatrixError("M_INVALID_PARAM", `${name} must be true or false`);
}

function timeoutParam(c: Context<AppEnv>): number {
	const raw = c.req.query("timeout");
	if (raw === undefined) return 0;
	if (!/^\d{1,15}$/.test(raw)) throw new MatrixError("M_INVALID_PARAM", "timeout must be a non-negative integer");
	return Number(raw);
}

function presenceParam(c: Context<AppEnv>): PresenceState | null {
	const raw = c.req.query("set_presence");
	if (raw === undefined) return null;
	if (!isPresenceState(raw)) throw new MatrixError("M_INVALID_PARAM", "set_presence must be online, offline or unavailable");
	return raw;
}

export const syncEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/sync",
		auth: "user",
		// Clients sync in a loop; the long-poll itself paces them.
		rateLimit: null,
		handler: async (c) => {
			const request = {
				device_id: c.get("device"),
				since: c.req.query("since") ?? null,
				timeout_ms: timeoutParam(c),
				full_state: boolParam(c, "full_state"),
				filter: c.req.query("filter") ?? null,
				set_presence: presenceParam(c),
				use_state_after: boolParam(c, "org.matrix.msc4222.use_state_after"),
			};
			const json = unwrapRpc(await c.env.USER.getByName(c.get("user")).syncJson(request));
			return c.body(json, 200, { "content-type": "application/json" });
		},
	},
];
