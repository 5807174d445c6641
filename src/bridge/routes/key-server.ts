// GET /_matrix/key/v2/server: our self-signed key response (and the deprecated /server/{keyId} form).
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixkeyv2server

import type { Context } from "hono";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint, RateLimit } from "../../worker/http/endpoint";
import { buildOwnKeyResponse } from "../keys/own-key-response";

/** Generous for notaries and peers, but it bounds how much signing one caller can make us do. */
const KEY_RATE_LIMIT: RateLimit = { perSecond: 20, burst: 100 };

async function serverKeyResponse(c: Context<AppEnv>): Promise<Response> {
	return c.json(await buildOwnKeyResponse(c.env.DB, c.get("config"), Date.now()));
}

export const keyServerEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_matrix/key/v2/server", auth: "none", rateLimit: KEY_RATE_LIMIT, handler: serverKeyResponse },
	// Removed from the spec, but older servers still ask for one key ID; the full response answers them.
	{ method: "GET", path: "/_matrix/key/v2/server/:keyId", auth: "none", rateLimit: KEY_RATE_LIMIT, handler: serverKeyResponse },
];
