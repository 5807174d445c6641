// The room's half of the D1 event → room index (migrations/0014_event_rooms.sql) that GET
// /federation/v1/event needs, since its path names no room. Run by the RoomDO's drain (room-drain.ts):
// events past a durable cursor (their SQLite rowid, which only grows: events are never deleted) are copied
// in batches. After D1 accepted a batch the new cursor is held in memory and written by the room's next
// commit (settle), so the copy costs the room no commit of its own; lost with the object, the copy runs again
// from the stored cursor, and a repeat copy is a no-op. A failed copy is retried by the drain's alarm, so
// every stored event, outliers included, becomes findable.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1eventeventid

import { log } from "../../platform/log";

/** Events copied per drain pass; the drain runs again at once while more remain. */
const BATCH_EVENTS = 400;
/** D1 allows 100 bound parameters per statement: two per row. */
const ROWS_PER_STATEMENT = 45;

/** After a failed copy, the drain's alarm tries again this much later. */
const RETRY_MS = 5_000;

export class EventIndex {
	/** The rowid D1 holds the room's events up to, while the stored cursor is behind it (null: it is not). */
	private copiedTo: number | null = null;

	constructor(private readonly sql: SqlStorage) {}

	private cursor(): number {
		return this.copiedTo ?? this.sql.exec<{ last_rowid: number }>("SELECT last_rowid FROM event_index_cursor WHERE singleton = 1").one().last_rowid;
	}

	/**
	 * Copies the next batch of events past the cursor into D1 `event_rooms`. Returns when the drain should run
	 * again for the index: now while more remain, a little later after a D1 failure, null when caught up.
	 */
	async copyNew(db: D1Database, roomId: string, now: () => number): Promise<number | null> {
		const rows = this.sql
			.exec<{ rowid: number; event_id: string }>("SELECT rowid, event_id FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?", this.cursor(), BATCH_EVENTS)
			.toArray();
		if (rows.length === 0) return null;
		const statements: D1PreparedStatement[] = [];
		for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
			const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
			const values = chunk.map((_, j) => `(?${2 * j + 1}, ?${2 * j + 2})`).join(", ");
			statements.push(db.prepare(`INSERT OR IGNORE INTO event_rooms (event_id, room_id) VALUES ${values}`).bind(...chunk.flatMap((r) => [r.event_id, roomId])));
		}
		try {
			await db.batch(statements);
		} catch (err) {
			log.warn("event_index_failed", { room_id: roomId, error: err });
			return now() + RETRY_MS;
		}
		this.copiedTo = rows[rows.length - 1]!.rowid;
		return rows.length === BATCH_EVENTS ? now() : null;
	}

	/** Whether stored events wait to be copied. */
	behind(): boolean {
		return this.sql.exec("SELECT 1 FROM events WHERE rowid > ? LIMIT 1", this.cursor()).toArray().length > 0;
	}

	/** Whether a cursor move waits for settle. */
	hasUnsettled(): boolean {
		return this.copiedTo !== null;
	}

	/** Stores the cursor; run inside a commit the room makes anyway (an event's, the alarm's). */
	settle(): void {
		if (this.copiedTo === null) return;
		this.sql.exec("UPDATE event_index_cursor SET last_rowid = ? WHERE singleton = 1", this.copiedTo);
		this.copiedTo = null;
	}
}
