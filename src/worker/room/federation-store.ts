// The SQL the RoomDO's federation side needs beyond store.ts: remote events whose flags decide whether they
// enter the timeline, and the lookups the serving endpoints walk the DAG with.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import { insertEventRow, type NewEvent, nextStreamPosition } from "./store";

export interface EventFlags {
	rejected: boolean;
	soft_failed: boolean;
	outlier: boolean;
	stream_ordering: number | null;
	depth: number;
}

export class FederationStore {
	constructor(private readonly sql: SqlStorage) {}

	flags(eventId: string): EventFlags | null {
		const row = this.sql
			.exec<{ rejected: number; soft_failed: number; outlier: number; stream_ordering: number | null; depth: number }>(
				"SELECT rejected, soft_failed, outlier, stream_ordering, depth FROM events WHERE event_id = ?",
				eventId,
			)
			.toArray()[0];
		if (!row) return null;
		return { rejected: row.rejected === 1, soft_failed: row.soft_failed === 1, outlier: row.outlier === 1, stream_ordering: row.stream_ordering, depth: row.depth };
	}

	/** A stored event's exact PDU text and whether it was rejected; null when the room does not hold it. */
	storedPdu(eventId: string): { pdu: string; rejected: boolean } | null {
		const row = this.sql.exec<{ pdu: string; rejected: number }>("SELECT pdu, rejected FROM events WHERE event_id = ?", eventId).toArray()[0];
		return row ? { pdu: row.pdu, rejected: row.rejected === 1 } : null;
	}

	/** The IDs among `ids` that this room has not stored. */
	missing(ids: readonly string[]): string[] {
		return ids.filter((id) => this.sql.exec("SELECT 1 FROM events WHERE event_id = ?", id).toArray().length === 0);
	}

	/**
	 * Stores a received event and its edges. Only accepted timeline events take a stream ordering: rejected
	 * and soft-failed events are kept for the DAG (others reference them) but clients never see them,
	 * and outliers are not part of the timeline at all.
	 */
	insert(ev: NewEvent, historicalPosition?: number): number | null {
		const timeline = !ev.outlier && ev.rejection_reason === null && !ev.soft_failed;
		// A backfilled event takes the position its caller chose below the timeline, not the next live one.
		const ordering = timeline ? (historicalPosition ?? nextStreamPosition(this.sql)) : null;
		return insertEventRow(this.sql, ev, ordering);
	}

	/** An outlier that later arrives as a timeline event (say, through backfill) is promoted in place. */
	promoteOutlier(eventId: string): number {
		const ordering = nextStreamPosition(this.sql);
		this.sql.exec("UPDATE events SET outlier = 0, stream_ordering = ? WHERE event_id = ?", ordering, eventId);
		return ordering;
	}

	/** A stored event (an outlier, or a timeline event moved back) takes a historical position below the live end. */
	placeAt(eventId: string, position: number): void {
		this.sql.exec("UPDATE events SET outlier = 0, stream_ordering = ? WHERE event_id = ?", position, eventId);
	}

	/** Whether a user of `serverName` is joined in current state (user IDs end in `:server`). */
	serverHasJoinedMember(serverName: string): boolean {
		return this.sql.exec("SELECT 1 FROM room_members WHERE membership = 'join' AND substr(user_id, -?) = ? LIMIT 1", serverName.length + 1, `:${serverName}`).toArray().length > 0;
	}

	/** The non-outlier, non-rejected event whose origin_server_ts is closest to `ts` in direction `dir`. */
	closestByTimestamp(ts: number, dir: "f" | "b"): { event_id: string; origin_server_ts: number } | null {
		const sql =
			dir === "f"
				? "SELECT event_id, origin_server_ts FROM events WHERE outlier = 0 AND rejected = 0 AND origin_server_ts >= ? ORDER BY origin_server_ts ASC, stream_ordering ASC LIMIT 1"
				: "SELECT event_id, origin_server_ts FROM events WHERE outlier = 0 AND rejected = 0 AND origin_server_ts <= ? ORDER BY origin_server_ts DESC, stream_ordering DESC LIMIT 1";
		return this.sql.exec<{ event_id: string; origin_server_ts: number }>(sql, ts).toArray()[0] ?? null;
	}
}
