// The E2EE sections of /sync, read from the UserDO's own SQL: to_device, device_lists,
// device_one_time_keys_count and device_unused_fallback_key_types.
// Spec: https://spec.matrix.org/latest/client-server-api/#extensions-to-sync-1 (to-device),
//       https://spec.matrix.org/latest/client-server-api/#extensions-to-sync (device lists, key counts)
//
// Contract for /sync (call these inside the UserDO, synchronously, so one sync reads one snapshot):
// - Two streams, each a monotonic integer position that never goes back, even when rows are deleted:
//   `toDevicePosition(sql)` (one sequence for the whole user; every device's inbox is a filter of it)
//   and `deviceListPosition(sql)`. 0 means "nothing yet". A sync token carries both.
// - `toDeviceSection(sql, device, since, upTo)`: first deletes the device's messages at or below `since`
//   (the client proved it received them by syncing with that token), then returns at most `limit`
//   messages in (since, upTo]. Put the returned `position` (not upTo) into next_batch: when the batch
//   was cut short it is the last message returned, so the rest arrive on the next sync.
// - `deviceListSection(sql, since, upTo)`: users in (since, upTo], each once, its latest change deciding
//   `changed` vs `left`. Spec: only for incremental syncs (a `since` token), so skip it on initial sync.
// - `oneTimeKeyCounts` / `unusedFallbackKeyTypes`: current values for the syncing device, every sync.
// Writers call `notifier.notify()` after appending (the UserDO's e2ee methods do so).

import type { JsonObject } from "../../../protocol/events/pdu";

/** Spec: servers should cap to-device events per sync; Synapse sends 100. */
export const TO_DEVICE_LIMIT = 100;

export interface ToDeviceEvent {
	sender: string;
	type: string;
	/** Opaque: parsed from the stored text, never inspected. */
	content: JsonObject;
}

export interface ToDeviceSection {
	events: ToDeviceEvent[];
	/** The to-device position the next token must carry. */
	position: number;
}

export interface DeviceListSection {
	changed: string[];
	left: string[];
}

/** AUTOINCREMENT's high-water mark: unlike MAX(stream_id) it survives deleting the newest rows. */
function sequenceOf(sql: SqlStorage, table: string): number {
	const row = sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = ?", table).toArray()[0];
	return row?.seq ?? 0;
}

export function toDevicePosition(sql: SqlStorage): number {
	return sequenceOf(sql, "to_device_inbox");
}

export function deviceListPosition(sql: SqlStorage): number {
	return sequenceOf(sql, "device_list_changes");
}

export function toDeviceSection(
	sql: SqlStorage,
	deviceId: string,
	since: number,
	upTo: number,
	limit = TO_DEVICE_LIMIT,
): ToDeviceSection {
	// Spec: "the server ... may delete messages once the client has acknowledged them by syncing past them".
	if (since > 0) sql.exec("DELETE FROM to_device_inbox WHERE device_id = ? AND stream_id <= ?", deviceId, since);
	const rows = sql
		.exec<{ stream_id: number; sender: string; type: string; content: string }>(
			`SELECT stream_id, sender, type, content FROM to_device_inbox
			WHERE device_id = ? AND stream_id > ? AND stream_id <= ? ORDER BY stream_id LIMIT ?`,
			deviceId,
			since,
			upTo,
			limit,
		)
		.toArray();
	const events = rows.map((r) => ({ sender: r.sender, type: r.type, content: JSON.parse(r.content) as JsonObject }));
	const position = rows.length === limit ? rows[rows.length - 1]!.stream_id : Math.max(since, upTo);
	return { events, position };
}

export function deviceListSection(sql: SqlStorage, since: number, upTo: number): DeviceListSection {
	// The latest change per user wins: a user who left and then shared a room again is `changed`.
	const rows = sql
		.exec<{ user_id: string; change: "changed" | "left" }>(
			`SELECT user_id, change FROM device_list_changes AS c
			WHERE stream_id = (SELECT MAX(stream_id) FROM device_list_changes
				WHERE user_id = c.user_id AND stream_id > ?1 AND stream_id <= ?2)
			ORDER BY user_id`,
			since,
			upTo,
		)
		.toArray();
	return {
		changed: rows.filter((r) => r.change === "changed").map((r) => r.user_id),
		left: rows.filter((r) => r.change === "left").map((r) => r.user_id),
	};
}

/**
 * Unclaimed one-time keys per algorithm. `signed_curve25519` is always present (0 when none), as Synapse
 * does: clients read a missing count as "unknown" and would not top up their keys.
 */
export function oneTimeKeyCounts(sql: SqlStorage, deviceId: string): Record<string, number> {
	const counts: Record<string, number> = { signed_curve25519: 0 };
	for (const r of sql.exec<{ algorithm: string; n: number }>(
		"SELECT algorithm, COUNT(*) AS n FROM one_time_keys WHERE device_id = ? GROUP BY algorithm",
		deviceId,
	)) {
		counts[r.algorithm] = r.n;
	}
	return counts;
}

/** Algorithms of the device's fallback keys not yet handed out by a claim. */
export function unusedFallbackKeyTypes(sql: SqlStorage, deviceId: string): string[] {
	return sql
		.exec<{ algorithm: string }>("SELECT algorithm FROM fallback_keys WHERE device_id = ? AND used = 0 ORDER BY algorithm", deviceId)
		.toArray()
		.map((r) => r.algorithm);
}
