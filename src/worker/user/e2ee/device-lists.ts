// One user's device-list stream: "user X's devices changed" / "user X no longer shares a room", appended by
// fan-out (device-list-fan-out.ts) and by membership changes, read by /sync and /keys/changes.
// Spec: https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user

import type { E2eeDeps } from "./deps";
import { appendDeviceListChange, type DeviceListChange } from "./device-list-store";
import { type DeviceListSection, deviceListPosition, deviceListSection } from "./sync-sections";

export class DeviceLists {
	constructor(private readonly deps: E2eeDeps) {}

	/** Records that `subject`'s devices changed (or that they left) as seen by this user, and wakes /sync. */
	note(userId: string, subject: string, change: DeviceListChange, nowTs: number): void {
		if (this.deps.owner() !== userId) return;
		appendDeviceListChange(this.deps.sql, subject, change, nowTs);
		this.deps.changed();
	}

	/** /keys/changes between two device-list positions (taken from sync tokens). */
	between(userId: string, from: number, to: number): DeviceListSection {
		if (this.deps.owner() !== userId) return { changed: [], left: [] };
		return deviceListSection(this.deps.sql, from, Math.min(to, deviceListPosition(this.deps.sql)));
	}
}
