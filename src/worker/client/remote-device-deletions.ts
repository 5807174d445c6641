// Deleted devices, told to remote servers. The UserDO already told local users who share a room (its
// device-list fan-out); remote servers sharing a room hear through the bridge as `deleted: true`
// m.device_list_update EDUs, or their users' clients keep encrypting room keys to a device that is gone.
// Best effort: the devices are deleted either way, so a failure here is logged, not answered with an error.
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management

import type { Context } from "hono";
import { log } from "../../platform/log";
import type { AppEnv } from "../http/context";

export async function announceDeletedDevicesRemotely(c: Context<AppEnv>, userId: string, deleted: readonly string[]): Promise<void> {
	if (deleted.length === 0) return;
	try {
		await c.get("e2eeFederation").devicesDeleted(userId, deleted);
	} catch (err) {
		log.warn("remote_device_deletion_failed", { error: String(err) });
	}
}
