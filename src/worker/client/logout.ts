// POST /logout and /logout/all: ending sessions. Logging out deletes the device too, with its keys.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3logout
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3logoutall

import { requireUserId } from "../../protocol/ids/user-id";
import type { Endpoint } from "../http/endpoint";
import { announceDeletedDevicesRemotely } from "./remote-device-deletions";

export const logoutEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/logout",
		auth: "user",
		rateLimit: null,
		// "Invalidates an existing access token ... The device associated with the access token is also deleted.
		// Device keys for the device are deleted alongside the device."
		handler: async (c) => {
			const userId = requireUserId(c.get("user"));
			await announceDeletedDevicesRemotely(c, userId, await c.env.USER.getByName(userId).deleteDevices([c.get("device")]));
			return c.json({});
		},
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/logout/all",
		auth: "user",
		rateLimit: null,
		// "Invalidates all access tokens for a user ... Devices for the user are also deleted."
		handler: async (c) => {
			const userId = requireUserId(c.get("user"));
			await announceDeletedDevicesRemotely(c, userId, await c.env.USER.getByName(userId).deleteAllDevicesExcept(null));
			return c.json({});
		},
	},
];
