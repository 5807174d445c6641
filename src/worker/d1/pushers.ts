// Typed queries on D1 `pushers` (migrations/0007_pushers.sql): the push gateways each user registered.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3pushersset

import type { Pusher } from "../../protocol/push/pusher";

export async function listPushers(db: D1Database, userId: string): Promise<Pusher[]> {
	const { results } = await db
		.prepare("SELECT pusher_json FROM pushers WHERE user_id = ?1 ORDER BY created_ts, app_id, pushkey")
		.bind(userId)
		.all<{ pusher_json: string }>();
	return results.map((r) => JSON.parse(r.pusher_json) as Pusher);
}

/**
 * Creates or updates the user's pusher for (app_id, pushkey), keeping its first creation time. Unless
 * `append`, the same (app_id, pushkey) of every other user is removed in the same batch (one transaction).
 */
export async function setPusher(db: D1Database, userId: string, deviceId: string, pusher: Pusher, append: boolean, nowTs: number): Promise<void> {
	const upsert = db
		.prepare(
			`INSERT INTO pushers (app_id, pushkey, user_id, kind, pusher_json, device_id, created_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
			ON CONFLICT (app_id, pushkey, user_id) DO UPDATE SET kind = excluded.kind, pusher_json = excluded.pusher_json, device_id = excluded.device_id`,
		)
		.bind(pusher.app_id, pusher.pushkey, userId, pusher.kind, JSON.stringify(pusher), deviceId, nowTs);
	if (append) {
		await upsert.run();
		return;
	}
	const others = db.prepare("DELETE FROM pushers WHERE app_id = ?1 AND pushkey = ?2 AND user_id != ?3").bind(pusher.app_id, pusher.pushkey, userId);
	await db.batch([others, upsert]);
}

/** Deletes the user's pusher; deleting one that does not exist is not an error. */
export async function deletePusher(db: D1Database, userId: string, appId: string, pushkey: string): Promise<void> {
	await db.prepare("DELETE FROM pushers WHERE app_id = ?1 AND pushkey = ?2 AND user_id = ?3").bind(appId, pushkey, userId).run();
}

/** Removes the pushers a device set (its session ended: logout or device deletion), as Synapse does. */
export async function deletePushersOfDevice(db: D1Database, userId: string, deviceId: string): Promise<void> {
	await db.prepare("DELETE FROM pushers WHERE user_id = ?1 AND device_id = ?2").bind(userId, deviceId).run();
}

/** Removes every pusher of a user (account deactivation). */
export async function deleteAllPushers(db: D1Database, userId: string): Promise<void> {
	await db.prepare("DELETE FROM pushers WHERE user_id = ?1").bind(userId).run();
}
