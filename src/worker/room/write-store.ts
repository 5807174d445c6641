// The RoomDO's SQL for the local write path beside store.ts: txn IDs, the member table, redactions,
// the state lookups event building needs. Schema: schema.ts ("members and redactions").
// Spec: https://spec.matrix.org/latest/client-server-api/#transaction-identifiers

import type { Membership } from "./api";
import { stateKeyOf } from "./store";

export interface MemberRow {
	user_id: string;
	membership: Membership;
	event_id: string;
	stream_ordering: number;
}

export class WriteStore {
	/** Counts member row writes (rolled back ones too), so readers can tell that nothing changed since they looked. */
	private memberWrites = 0;

	constructor(private readonly sql: SqlStorage) {}

	/** Changes whenever a member row (and with it the remote-member change log) may have changed. */
	get memberVersion(): number {
		return this.memberWrites;
	}

	/** The event a (sender, device, txn) already produced, with its stream position. */
	getTxn(userId: string, deviceId: string, txnId: string): { event_id: string; stream_ordering: number } | null {
		const rows = this.sql
			.exec<{ event_id: string; stream_ordering: number | null }>(
				`SELECT t.event_id, e.stream_ordering FROM local_txns t JOIN events e ON e.event_id = t.event_id
				WHERE t.user_id = ? AND t.device_id = ? AND t.txn_id = ?`,
				userId,
				deviceId,
				txnId,
			)
			.toArray();
		const row = rows[0];
		return row ? { event_id: row.event_id, stream_ordering: row.stream_ordering ?? 0 } : null;
	}

	insertTxn(userId: string, deviceId: string, txnId: string, eventId: string, nowTs: number): void {
		this.sql.exec(
			"INSERT INTO local_txns (user_id, device_id, txn_id, event_id, created_ts) VALUES (?, ?, ?, ?, ?)",
			userId,
			deviceId,
			txnId,
			eventId,
			nowTs,
		);
	}

	/**
	 * The current state event IDs for several (type, state_key) pairs in one query, by stateKeyOf; absent
	 * keys are missing from the map.
	 */
	getCurrentStateEventIds(keys: readonly (readonly [string, string])[]): Map<string, string> {
		const rows = this.sql
			.exec<{ type: string; state_key: string; event_id: string }>(
				`SELECT c.type, c.state_key, c.event_id FROM json_each(?) k
				JOIN current_state c ON c.type = k.value ->> 0 AND c.state_key = k.value ->> 1`,
				JSON.stringify(keys),
			)
			.toArray();
		return new Map(rows.map((r) => [stateKeyOf(r.type, r.state_key), r.event_id]));
	}

	/** The current state event ID for (type, state_key), or null. */
	getCurrentStateEventId(type: string, stateKey: string): string | null {
		const rows = this.sql
			.exec<{ event_id: string }>("SELECT event_id FROM current_state WHERE type = ? AND state_key = ?", type, stateKey)
			.toArray();
		return rows[0]?.event_id ?? null;
	}

	/** The stream ordering and sender of a stored event (null if unknown or an outlier). */
	getEventMeta(eventId: string): { stream_ordering: number | null; sender: string; type: string } | null {
		const rows = this.sql
			.exec<{ stream_ordering: number | null; sender: string; type: string }>(
				"SELECT stream_ordering, sender, type FROM events WHERE event_id = ? AND rejected = 0",
				eventId,
			)
			.toArray();
		return rows[0] ?? null;
	}

	upsertMember(row: MemberRow): void {
		this.memberWrites++;
		this.sql.exec(
			`INSERT INTO room_members (user_id, membership, event_id, stream_ordering) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id,
				stream_ordering = excluded.stream_ordering`,
			row.user_id,
			row.membership,
			row.event_id,
			row.stream_ordering,
		);
		// The D1 remote-member index follows from this log (room/remote-member-index.ts); a local user's row
		// there is dropped unread, since room_memberships indexes local users through the outbox.
		this.sql.exec("INSERT INTO remote_member_changes (user_id) VALUES (?)", row.user_id);
	}

	getMember(userId: string): MemberRow | null {
		const rows = this.sql
			.exec<{ user_id: string; membership: Membership; event_id: string; stream_ordering: number }>(
				"SELECT user_id, membership, event_id, stream_ordering FROM room_members WHERE user_id = ?",
				userId,
			)
			.toArray();
		return rows[0] ?? null;
	}

	/**
	 * Users whose membership is one of `memberships`, with it, sorted by user ID: one query where a caller
	 * needs several of the membersWith lists.
	 */
	membershipsOf(memberships: readonly Membership[]): { user_id: string; membership: Membership }[] {
		const marks = memberships.map(() => "?").join(", ");
		return this.sql
			.exec<{ user_id: string; membership: Membership }>(
				`SELECT user_id, membership FROM room_members WHERE membership IN (${marks}) ORDER BY user_id`,
				...memberships,
			)
			.toArray();
	}

	/** Users whose membership is one of `memberships`, sorted. */
	membersWith(memberships: readonly Membership[]): string[] {
		return this.membershipsOf(memberships).map((r) => r.user_id);
	}

	insertRedaction(redacts: string, eventId: string): void {
		this.sql.exec("INSERT OR IGNORE INTO redactions (redacts, event_id) VALUES (?, ?)", redacts, eventId);
	}
}
