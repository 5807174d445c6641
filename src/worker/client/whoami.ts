// GET /_matrix/client/v3/account/whoami: who the access token belongs to.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3accountwhoami

import type { Endpoint } from "../http/endpoint";

export const whoamiEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/account/whoami",
		auth: "user",
		// The spec marks it rate-limited; clients call it mostly at start-up, so the limit is loose.
		rateLimit: { perSecond: 5, burst: 20 },
		// We register no guests, so every token belongs to a full account.
		handler: (c) => c.json({ user_id: c.get("user"), device_id: c.get("device"), is_guest: false }),
	},
];
