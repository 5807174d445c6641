// The SQL of backfill: where the timeline's historical end is, which events it still lacks (backward
// extremities), the server a remote join went through, and moving send_join's state into history.
// Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events

/** How many of the oldest timeline events are looked at for prev events we lack. */
const EDGE_WINDOW = 50;

export class BackfillStore {
	constructor(private readonly sql: SqlStorage) {}

	/** The lowest stream ordering any timeline event has, or null for an empty timeline. */
	lowestPosition(): number | null {
		return this.sql.exec<{ m: number | null }>("SELECT MIN(stream_ordering) AS m FROM events").one().m;
	}

	/**
	 * Prev events of the oldest timeline events that the room lacks or holds only as outliers: where older
	 * history continues. Nearest (deepest) first.
	 */
	backwardExtremities(limit: number): string[] {
		return this.sql
			.exec<{ id: string }>(
				`SELECT ee.target_id AS id, MAX(e.depth) AS d
				FROM (SELECT event_id, depth FROM events WHERE stream_ordering IS NOT NULL ORDER BY stream_ordering ASC LIMIT ?) e
				JOIN event_edges ee ON ee.event_id = e.event_id AND ee.kind = 'prev'
				WHERE NOT EXISTS (SELECT 1 FROM events t WHERE t.event_id = ee.target_id AND t.outlier = 0)
				GROUP BY ee.target_id ORDER BY d DESC, id LIMIT ?`,
				EDGE_WINDOW,
				limit,
			)
			.toArray()
			.map((r) => r.id);
	}

	/**
	 * send_join's state events that joinRemoteRoom placed in the timeline just before our join and no
	 * backfill has moved into history yet, oldest first.
	 */
	joinStateBlock(): string[] {
		const join = this.sql
			.exec<{ p: number | null }>("SELECT e.stream_ordering AS p FROM joined_via j JOIN events e ON e.event_id = j.join_event_id")
			.toArray()[0]?.p ?? null;
		if (join === null) return [];
		return this.sql
			.exec<{ event_id: string }>("SELECT event_id FROM events WHERE stream_ordering > 0 AND stream_ordering < ? ORDER BY stream_ordering", join)
			.toArray()
			.map((r) => r.event_id);
	}

	/** The state before and after an event, written anew (a moved state event gets the state we now know at it). */
	setEventState(eventId: string, before: number, after: number): void {
		this.sql.exec(
			`INSERT INTO event_state (event_id, state_before, state_after) VALUES (?, ?, ?)
			ON CONFLICT (event_id) DO UPDATE SET state_before = excluded.state_before, state_after = excluded.state_after`,
			eventId,
			before,
			after,
		);
	}

	/** A current member row follows its member event to the event's new position. */
	moveMemberPosition(eventId: string, position: number): void {
		this.sql.exec("UPDATE room_members SET stream_ordering = ? WHERE event_id = ?", position, eventId);
	}

	joinedVia(): string | null {
		return this.sql.exec<{ server_name: string }>("SELECT server_name FROM joined_via WHERE singleton = 1").toArray()[0]?.server_name ?? null;
	}

	/** Kept by joinRemoteRoom in the transaction that stores the join. */
	setJoinedVia(serverName: string, joinEventId: string): void {
		this.sql.exec("INSERT OR REPLACE INTO joined_via (singleton, server_name, join_event_id) VALUES (1, ?, ?)", serverName, joinEventId);
	}
}
