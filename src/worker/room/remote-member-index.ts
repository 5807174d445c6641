// The room's half of the D1 remote-member index (migrations/0018_remote_room_members.sql): which remote
// users are joined here, so "who shares a room with X" across servers is one D1 query instead of a RoomDO
// call per room. Run by the RoomDO's drain beside the event index: every room_members write also logs the
// user in remote_member_changes (same transaction); the drain copies each logged remote user's *current*
// membership (a join row, or no row). The log rows go only after D1 accepted the batch, and by the room's
// next commit (settle) rather than one of their own; until then the copied part is skipped. A failed copy
// stays logged and is retried by the drain's alarm; a repeated copy (after a failure, or after the object
// was lost before it settled) writes the same rows again.
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management ("servers which share a room")

import { log } from "../../platform/log";
import { serverNameOf } from "../../protocol/ids/server-name-of";

/** Log rows handled per drain pass; the drain runs again at once while more remain. */
const BATCH_CHANGES = 400;
/** D1 allows 100 bound parameters per statement: three per inserted row, one per deleted user (+ room). */
const INSERT_ROWS_PER_STATEMENT = 33;
const DELETE_USERS_PER_STATEMENT = 99;
/** After a failed copy, the drain's alarm tries again this much later. */
const RETRY_MS = 5_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

export class RemoteMemberIndex {
	/** The log seq copied into D1, while the log rows up to it are not yet deleted (null: none waits). */
	private copiedTo: number | null = null;
	/** The member version at which the log was last found fully copied (null: not since this object started). */
	private caughtUpAt: number | null = null;

	/** `memberVersion` (WriteStore.memberVersion) moves with every log row written; without it every call reads the log. */
	constructor(
		private readonly sql: SqlStorage,
		private readonly memberVersion?: () => number,
	) {}

	/**
	 * Copies the memberships of the next logged users into D1 `remote_room_members`. Returns when the drain
	 * should run again for the index: now while more remain, a little later after a D1 failure, null when caught up.
	 */
	async copyNew(db: D1Database, roomId: string, ourServer: string, now: () => number): Promise<number | null> {
		// No member row written since the log was last found copied: nothing to read (most drains, one per message).
		const version = this.memberVersion?.();
		if (version !== undefined && version === this.caughtUpAt) return null;
		const logged = this.sql
			.exec<{ seq: number; user_id: string }>("SELECT seq, user_id FROM remote_member_changes WHERE seq > ? ORDER BY seq LIMIT ?", this.copiedTo ?? 0, BATCH_CHANGES)
			.toArray();
		if (logged.length === 0) {
			this.caughtUpAt = version ?? null;
			return null;
		}
		const joined: { user_id: string; server: string }[] = [];
		const departed: string[] = [];
		for (const userId of new Set(logged.map((r) => r.user_id))) {
			const server = serverNameOf(userId);
			if (server === undefined || server === ourServer) continue;
			// The membership now, not the one logged: copies in any order end at the room's current state.
			const row = this.sql.exec<{ membership: string }>("SELECT membership FROM room_members WHERE user_id = ?", userId).toArray()[0];
			if (row?.membership === "join") joined.push({ user_id: userId, server });
			else departed.push(userId);
		}
		const statements: D1PreparedStatement[] = [];
		for (const chunk of chunks(joined, INSERT_ROWS_PER_STATEMENT)) {
			const values = chunk.map((_, j) => `(?${3 * j + 1}, ?${3 * j + 2}, ?${3 * j + 3})`).join(", ");
			statements.push(
				db.prepare(`INSERT OR IGNORE INTO remote_room_members (user_id, room_id, server_name) VALUES ${values}`).bind(...chunk.flatMap((m) => [m.user_id, roomId, m.server])),
			);
		}
		for (const chunk of chunks(departed, DELETE_USERS_PER_STATEMENT)) {
			const marks = chunk.map((_, j) => `?${j + 2}`).join(", ");
			statements.push(db.prepare(`DELETE FROM remote_room_members WHERE room_id = ?1 AND user_id IN (${marks})`).bind(roomId, ...chunk));
		}
		if (statements.length > 0) {
			try {
				await db.batch(statements);
			} catch (err) {
				log.warn("remote_member_index_failed", { room_id: roomId, error: err });
				return now() + RETRY_MS;
			}
		}
		// Rows logged while D1 was written have a higher seq and stay for the next pass (the drain runs one at a time).
		this.copiedTo = logged[logged.length - 1]!.seq;
		return logged.length === BATCH_CHANGES ? now() : null;
	}

	/** The next copyNew reads the log whatever the member version says (the alarm trusts no memory). */
	recheck(): void {
		this.caughtUpAt = null;
	}

	/** Whether copied log rows wait for settle. */
	hasUnsettled(): boolean {
		return this.copiedTo !== null;
	}

	/** Deletes the copied log rows; run inside a commit the room makes anyway (an event's, the alarm's). */
	settle(): void {
		if (this.copiedTo === null) return;
		this.sql.exec("DELETE FROM remote_member_changes WHERE seq <= ?", this.copiedTo);
		this.copiedTo = null;
	}
}
