// Device IDs: opaque strings chosen by the client or the server.
// Spec: https://spec.matrix.org/latest/client-server-api/#relationship-between-access-tokens-and-devices

import { invalidId, MAX_ID_BYTES, utf8Length } from "./common";

export type DeviceId = string & { readonly __brand: "DeviceId" };

// The spec gives device IDs no grammar. We take any non-empty, well-formed string of at most 255 bytes
// without control characters, so a device ID is safe in keys, logs and URLs (after encoding).
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseDeviceId(s: unknown): DeviceId | undefined {
	if (typeof s !== "string" || s === "" || utf8Length(s) > MAX_ID_BYTES) return undefined;
	return s.isWellFormed() && !CONTROL.test(s) ? (s as DeviceId) : undefined;
}

/** Like `parseDeviceId`, but throws `M_INVALID_PARAM`. */
export function requireDeviceId(s: unknown, what = "device ID"): DeviceId {
	return parseDeviceId(s) ?? invalidId(what, s);
}

// Opaque Identifier Grammar: [0-9A-Za-z-._~]. We generate device IDs from this set only.
const OPAQUE = /^[0-9A-Za-z._~-]{1,255}$/;

/** True for device IDs in the spec's opaque identifier grammar (what we generate). */
export function isOpaqueDeviceId(deviceId: string): boolean {
	return OPAQUE.test(deviceId);
}
