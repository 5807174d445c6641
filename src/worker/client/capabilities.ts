// GET /capabilities: what this server lets clients do; room versions are those whose rules we implement
// and test (CREATABLE_ROOM_VERSIONS), the default from config.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3capabilities

import { CREATABLE_ROOM_VERSIONS } from "../../platform/config";
import type { Endpoint } from "../http/endpoint";

export const capabilitiesEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/capabilities",
		auth: "user",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: (c) => {
			const config = c.get("config");
			const available: Record<string, "stable" | "unstable"> = {};
			for (const v of CREATABLE_ROOM_VERSIONS) available[v] = "stable";
			return c.json({
				capabilities: {
					"m.room_versions": { default: config.defaultRoomVersion, available },
					"m.change_password": { enabled: true },
					"m.profile_fields": { enabled: true },
					"m.set_displayname": { enabled: true },
					"m.set_avatar_url": { enabled: true },
					// No identity server: third-party identifiers cannot be added or removed.
					"m.3pid_changes": { enabled: false },
					"m.get_login_token": { enabled: false },
				},
			});
		},
	},
];
