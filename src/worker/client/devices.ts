// Device management: list, get, rename and delete (deletion needs UIA: m.login.password).
// Spec: https://spec.matrix.org/latest/client-server-api/#device-management
// Deleting a device deletes its tokens and E2EE keys in the UserDO (user/account/account-store.ts).

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import { requireUserId } from "../../protocol/ids/user-id";
import { parseJsonBytes } from "../../platform/request-body";
import type { DeviceRecord } from "../user/store";
import { readBodyBytes, readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { requireUserInteractiveAuth, type UiaFlow } from "./uia";
import { announceDeletedDevicesRemotely } from "./remote-device-deletions";

/** Deleting devices ends sessions and destroys keys, so the spec has the user prove their password. */
export const DEVICE_DELETION_FLOWS: readonly UiaFlow[] = [["m.login.password"]];
const MAX_DISPLAY_NAME_LENGTH = 256;

/** The spec's Device: absent fields are omitted, not null. */
function deviceJson(d: DeviceRecord): JsonObject {
	const out: JsonObject = { device_id: d.device_id };
	if (d.display_name !== null) out.display_name = d.display_name;
	if (d.last_seen_ip !== null && d.last_seen_ip !== "") out.last_seen_ip = d.last_seen_ip;
	if (d.last_seen_ts !== null) out.last_seen_ts = d.last_seen_ts;
	return out;
}

/** DELETE bodies are optional (a client's first attempt may send none): an empty body reads as `{}`. */
async function readOptionalBody(c: Context<AppEnv>): Promise<JsonObject> {
	const bytes = await readBodyBytes(c.req, c.get("maxBodyBytes") ?? 1024 * 1024);
	if (bytes.length === 0) return {};
	const parsed = parseJsonBytes(bytes);
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new MatrixError("M_BAD_JSON", "Request body must be a JSON object");
	return parsed as JsonObject;
}

function userStub(c: Context<AppEnv>) {
	return c.env.USER.getByName(requireUserId(c.get("user")));
}

async function getDevice(c: Context<AppEnv>): Promise<Response> {
	const device = await userStub(c).getDevice(c.req.param("deviceId") ?? "");
	if (device === null) throw new MatrixError("M_NOT_FOUND", "Unknown device");
	return c.json(deviceJson(device));
}

async function putDevice(c: Context<AppEnv>): Promise<Response> {
	const body = await readJsonBody(c);
	const name = body.display_name;
	if (name !== undefined && typeof name !== "string") throw new MatrixError("M_BAD_JSON", "display_name must be a string");
	if (typeof name === "string" && name.length > MAX_DISPLAY_NAME_LENGTH) throw new MatrixError("M_INVALID_PARAM", "Device display name is too long");
	const stub = userStub(c);
	const deviceId = c.req.param("deviceId") ?? "";
	// No display_name leaves the device as it is; it must still exist (we create no devices here: that is
	// for application services only).
	const found = name === undefined ? (await stub.getDevice(deviceId)) !== null : await stub.setDeviceDisplayName(deviceId, name);
	if (!found) throw new MatrixError("M_NOT_FOUND", "Unknown device");
	return c.json({});
}

async function deleteDevice(c: Context<AppEnv>): Promise<Response> {
	const deviceId = c.req.param("deviceId") ?? "";
	const body = await readOptionalBody(c);
	const stub = userStub(c);
	if ((await stub.getDevice(deviceId)) === null) throw new MatrixError("M_NOT_FOUND", "Unknown device");
	await requireUserInteractiveAuth(c, { userId: requireUserId(c.get("user")), flows: DEVICE_DELETION_FLOWS, action: `DELETE /devices/${deviceId}`, body });
	await announceDeletedDevicesRemotely(c, requireUserId(c.get("user")), await stub.deleteDevices([deviceId]));
	return c.json({});
}

async function deleteDevices(c: Context<AppEnv>): Promise<Response> {
	const body = await readJsonBody(c);
	const { devices } = body;
	if (devices === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing devices");
	if (!Array.isArray(devices) || !devices.every((d) => typeof d === "string")) throw new MatrixError("M_BAD_JSON", "devices must be a list of strings");
	const ids = [...new Set(devices as string[])].sort();
	// The session is bound to this exact list, so a password given to delete some devices cannot delete others.
	await requireUserInteractiveAuth(c, { userId: requireUserId(c.get("user")), flows: DEVICE_DELETION_FLOWS, action: `POST /delete_devices ${JSON.stringify(ids)}`, body });
	// Unknown IDs are skipped: "the server ... should ignore them" is the behaviour clients rely on.
	await announceDeletedDevicesRemotely(c, requireUserId(c.get("user")), await userStub(c).deleteDevices(ids));
	return c.json({});
}

const LIMIT = { perSecond: 5, burst: 50 };

export const devicesEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/devices",
		auth: "user",
		rateLimit: LIMIT,
		handler: async (c) => c.json({ devices: (await userStub(c).listDevices()).map(deviceJson) }),
	},
	{ method: "GET", path: "/_matrix/client/v3/devices/:deviceId", auth: "user", rateLimit: LIMIT, handler: getDevice },
	{ method: "PUT", path: "/_matrix/client/v3/devices/:deviceId", auth: "user", rateLimit: LIMIT, handler: putDevice },
	{ method: "DELETE", path: "/_matrix/client/v3/devices/:deviceId", auth: "user", rateLimit: LIMIT, handler: deleteDevice },
	{ method: "POST", path: "/_matrix/client/v3/delete_devices", auth: "user", rateLimit: LIMIT, handler: deleteDevices },
];
