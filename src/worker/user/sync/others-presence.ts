// Presence of other users: when a user's presence changes, their UserDO pushes it to every local user who
// shares a room with them (from the D1 membership index); each receiver keeps the latest state per sender
// on its own stream, so /sync's `presence` section shows each change once and the push wakes long-polls.
// Spec: https://spec.matrix.org/latest/client-server-api/#presence ("presence events ... for users who
// share a room with the user")

import { serverNameOf } from "../../../protocol/ids/server-name-of";
import { log } from "../../../platform/log";
import type { PresencePush } from "../../../platform/presence-out";
import { usersSharingRoomWith } from "../../d1/shared-rooms";
import { presenceStatus } from "./presence";
import type { PresenceRow, SyncStore } from "./stream-store";

/** What a UserDO offers others for presence (UserDO.receivePresence). */
export interface PresenceReceiver {
	receivePresence(sender: string, state: string, statusMsg: string | null, lastActiveTs: number): Promise<void> | void;
}

export type OthersPresenceRow = PresenceRow & { user_id: string };

/** Stores `sender`'s presence on this user's stream; false when nothing others would see changed. */
export function storeOthersPresence(sql: SqlStorage, store: SyncStore, sender: string, state: string, statusMsg: string | null, lastActiveTs: number): boolean {
	const current = sql
		.exec<{ state: string; status_msg: string | null; last_active_ts: number }>(
			"SELECT state, status_msg, last_active_ts FROM others_presence WHERE user_id = ?",
			sender,
		)
		.toArray()[0];
	// A stale push (older than what we hold) or a repeat changes nothing and wakes nobody.
	if (current !== undefined && (current.last_active_ts > lastActiveTs || (current.state === state && current.status_msg === statusMsg))) return false;
	sql.exec(
		`INSERT INTO others_presence (user_id, state, status_msg, last_active_ts, stream_id) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, status_msg = excluded.status_msg,
			last_active_ts = excluded.last_active_ts, stream_id = excluded.stream_id`,
		sender,
		state,
		statusMsg,
		lastActiveTs,
		store.nextSeq(),
	);
	return true;
}

/** The latest presence this user was told of for `sender`, or null. */
export function othersPresenceOf(sql: SqlStorage, sender: string): PresenceRow | null {
	return (
		sql
			.exec<PresenceRow>("SELECT state, status_msg, last_active_ts, stream_id FROM others_presence WHERE user_id = ?", sender)
			.toArray()[0] ?? null
	);
}

/** Others' presence rows on the stream in (since, upTo]. */
export function othersPresenceBetween(sql: SqlStorage, since: number, upTo: number): OthersPresenceRow[] {
	return sql
		.exec<OthersPresenceRow>(
			"SELECT user_id, state, status_msg, last_active_ts, stream_id FROM others_presence WHERE stream_id > ? AND stream_id <= ? ORDER BY stream_id",
			since,
			upTo,
		)
		.toArray();
}

/** Pushes `owner`'s presence to every other local user who shares a room with them. Best effort. */
export async function fanOutPresence(
	db: D1Database,
	serverName: string,
	owner: string,
	row: PresenceRow,
	user: (userId: string) => PresenceReceiver,
): Promise<void> {
	const others = (await usersSharingRoomWith(db, owner)).filter((u) => u !== owner && serverNameOf(u) === serverName);
	await Promise.all(
		others.map(async (u) => {
			try {
				await user(u).receivePresence(owner, row.state, row.status_msg, row.last_active_ts);
			} catch (err) {
				log.warn("presence_fan_out_failed", { user_id: u, error: err });
			}
		}),
	);
}

/** The owner's presence as an m.presence EDU entry for remote servers (platform/presence-out.ts). */
export function presencePush(owner: string, row: PresenceRow, nowTs: number): PresencePush {
	const { presence, last_active_ago, status_msg, currently_active } = presenceStatus(row, nowTs);
	const push: PresencePush = { user_id: owner, presence, last_active_ago: last_active_ago ?? 0 };
	if (status_msg !== undefined) push.status_msg = status_msg;
	if (currently_active !== undefined) push.currently_active = currently_active;
	return push;
}
