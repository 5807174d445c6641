// GET /_matrix/client/v3/voip/turnServer: TURN credentials for calls, minted as coturn's REST API
// ("TURN REST API", static-auth-secret) expects: username `<expiry unix seconds>:<user_id>`, password
// base64(HMAC-SHA1(secret, username)), so no per-user state is kept here or in coturn.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3voipturnserver

import type { Endpoint } from "../http/endpoint";

/** Standard (padded) base64, which coturn compares against. */
function base64(bytes: ArrayBuffer): string {
	let binary = "";
	for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
	return btoa(binary);
}

/** coturn's time-limited credentials for `userId`, valid until `nowMs` + `ttlSeconds`. */
export async function turnCredentials(secret: string, userId: string, nowMs: number, ttlSeconds: number): Promise<{ username: string; password: string }> {
	const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${userId}`;
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
	return { username, password: base64(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username))) };
}

export const voipEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/voip/turnServer",
		auth: "user",
		// Clients ask once per call (and when credentials near expiry).
		rateLimit: { perSecond: 1, burst: 10 },
		handler: async (c) => {
			const config = c.get("config");
			// The spec defines no "no TURN server" answer; `{}` is what Synapse and Dendrite send, and clients
			// (matrix-js-sdk among them) read it as "no TURN server, use STUN/host candidates only". Without a
			// shared secret we have no credentials to hand out, which comes to the same.
			if (config.turnUris.length === 0 || config.turnSharedSecret === undefined) return c.json({});
			const creds = await turnCredentials(config.turnSharedSecret, c.get("user"), Date.now(), config.turnTtlSeconds);
			return c.json({ ...creds, uris: config.turnUris, ttl: config.turnTtlSeconds });
		},
	},
];
