// POST /_matrix/client/v3/user/{userId}/openid/request_token: a short-lived token the user hands to a
// third party (an integration manager, a widget), which exchanges it over federation for the user ID.
// The token is good for nothing else: it is not an access token and only its hash is stored (d1/openid.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3useruseridopenidrequest_token

import { encodeBase64Url } from "../../protocol/json/base64";
import { insertOpenIdToken } from "../d1/openid";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { ownUserParam } from "./own-user-param";

/** An hour, as Synapse issues them: long enough for a widget to start, short enough to leak little. */
export const OPENID_TOKEN_TTL_SECONDS = 3600;
const TOKEN_BYTES = 32;

export const openIdEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/user/:userId/openid/request_token",
		auth: "user",
		rateLimit: { perSecond: 0.5, burst: 10 },
		handler: async (c) => {
			const userId = ownUserParam(c, "request OpenID tokens");
			// "An empty object. Reserved for future expansion": every JSON object is accepted, nothing is read.
			await readJsonBody(c);
			const token = encodeBase64Url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
			const now = Date.now();
			await insertOpenIdToken(c.env.DB, token, userId, now, now + OPENID_TOKEN_TTL_SECONDS * 1000);
			return c.json({
				access_token: token,
				token_type: "Bearer",
				matrix_server_name: c.get("config").serverName,
				expires_in: OPENID_TOKEN_TTL_SECONDS,
			});
		},
	},
];
