// GET /_matrix/key/v2/server: our self-signed key response (and the deprecated /server/{keyId} form).
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixkeyv2server

import type { Context } from "hono";
import { signJson } from "../../protocol/crypto/sign-json";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint, RateLimit } from "../../worker/http/endpoint";
import { getServerKeys } from "../keys/server-key";

/** Generous for notaries and peers, but it bounds how much signing one caller can make us do. */
const KEY_RATE_LIMIT: RateLimit = { perSecond: 20, burst: 100 };

async function serverKeyResponse(c: Context<AppEnv>): Promise<Response> {
	const config = c.get("config");
	const now = Date.now();
	const keys = await getServerKeys(c.env.DB, config, now);
	const response = {
		server_name: config.serverName,
		// The spec asks for a short lifetime so rotations spread quickly; KEY_VALIDITY_MS (≤ 7 days) sets it.
		valid_until_ts: now + config.keyValidityMs,
		verify_keys: { [keys.current.keyId]: { key: keys.current.publicKeyBase64 } },
		old_verify_keys: keys.oldVerifyKeys,
	};
	return c.json(await signJson(response, config.serverName, keys.current));
}

export const keyServerEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_matrix/key/v2/server", auth: "none", rateLimit: KEY_RATE_LIMIT, handler: serverKeyResponse },
	// Removed from the spec, but older servers still ask for one key ID; the full response answers them.
	{ method: "GET", path: "/_matrix/key/v2/server/:keyId", auth: "none", rateLimit: KEY_RATE_LIMIT, handler: serverKeyResponse },
];
