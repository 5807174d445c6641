// Appends to the UserDO's device-list stream (device_list_changes): the users whose devices or
// cross-signing keys changed, or who stopped sharing a room with this user. /sync reads it through
// sync-sections.ts; /keys/changes reads the same stream.
// Spec: https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user

export type DeviceListChange = "changed" | "left";

/** Returns the new stream position. */
export function appendDeviceListChange(sql: SqlStorage, userId: string, change: DeviceListChange, nowTs: number): number {
	const row = sql
		.exec<{ stream_id: number }>(
			"INSERT INTO device_list_changes (user_id, change, ts) VALUES (?, ?, ?) RETURNING stream_id",
			userId,
			change,
			nowTs,
		)
		.one();
	return row.stream_id;
}
