// Pushers inside the UserDO: stored per (app_id, pushkey) with the device that set them. Delivery to
// push gateways is a later issue; this keeps what GET /pushers lists and what delivery will need.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3pushersset

import type { Pusher } from "../../../protocol/push/pusher";

type PusherRow = { pusher_json: string };

export class Pushers {
	constructor(private readonly sql: SqlStorage) {}

	list(): Pusher[] {
		return this.sql
			.exec<PusherRow>("SELECT pusher_json FROM pushers ORDER BY created_ts, app_id, pushkey")
			.toArray()
			.map((r) => JSON.parse(r.pusher_json) as Pusher);
	}

	/** Creates or replaces the pusher with this (app_id, pushkey); the first creation time is kept. */
	set(pusher: Pusher, deviceId: string, nowTs: number): void {
		this.sql.exec(
			`INSERT INTO pushers (app_id, pushkey, kind, pusher_json, device_id, created_ts) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (app_id, pushkey) DO UPDATE SET kind = excluded.kind, pusher_json = excluded.pusher_json, device_id = excluded.device_id`,
			pusher.app_id,
			pusher.pushkey,
			pusher.kind,
			JSON.stringify(pusher),
			deviceId,
			nowTs,
		);
	}

	/** Deletes the pusher; true if there was one. Deleting a missing pusher is not an error (Synapse agrees). */
	delete(appId: string, pushkey: string): boolean {
		return this.sql.exec("DELETE FROM pushers WHERE app_id = ? AND pushkey = ? RETURNING 1", appId, pushkey).toArray().length > 0;
	}
}
