// All SQL of the UserDO's sync streams: the user stream counter, room pokes, observed memberships,
// account data, filters and presence. Callers run multi-step writes in one transactionSync.
// Spec: https://spec.matrix.org/latest/client-server-api/#syncing

export type RoomStreamKind = "timeline" | "ephemeral";

export type AccountDataRow = { room_id: string; type: string; content: string; stream_id: number };
export type PresenceRow = { state: string; status_msg: string | null; last_active_ts: number; stream_id: number };
export type MembershipRow = { membership: string; observed_position: number };

export class SyncStore {
	constructor(private readonly sql: SqlStorage) {}

	currentSeq(): number {
		return this.sql.exec<{ seq: number }>("SELECT seq FROM user_stream WHERE singleton = 1").one().seq;
	}

	/** Takes the next position on the user stream. */
	nextSeq(): number {
		return this.sql.exec<{ seq: number }>("UPDATE user_stream SET seq = seq + 1 WHERE singleton = 1 RETURNING seq").one().seq;
	}

	/** The largest position logged for a room (any seq), or null. */
	latestPosition(roomId: string, kind: RoomStreamKind): number | null {
		return this.sql
			.exec<{ p: number | null }>("SELECT MAX(position) AS p FROM room_stream WHERE room_id = ? AND kind = ?", roomId, kind)
			.one().p;
	}

	/** latestPosition of both kinds in one query. */
	latestPositions(roomId: string): Record<RoomStreamKind, number | null> {
		const out: Record<RoomStreamKind, number | null> = { timeline: null, ephemeral: null };
		for (const row of this.sql.exec<{ kind: RoomStreamKind; p: number }>(
			"SELECT kind, MAX(position) AS p FROM room_stream WHERE room_id = ? GROUP BY kind",
			roomId,
		)) {
			out[row.kind] = row.p;
		}
		return out;
	}

	/** The room position a token at `seq` has seen: the largest logged at or before it. */
	positionAt(roomId: string, kind: RoomStreamKind, seq: number): number | null {
		return this.sql
			.exec<{ p: number | null }>(
				"SELECT MAX(position) AS p FROM room_stream WHERE room_id = ? AND kind = ? AND seq <= ?",
				roomId,
				kind,
				seq,
			)
			.one().p;
	}

	/** Logs "room is at position" on a new seq if it is past what is logged; returns whether it did. */
	logPosition(roomId: string, kind: RoomStreamKind, position: number): boolean {
		const latest = this.latestPosition(roomId, kind);
		if (latest !== null && latest >= position) return false;
		this.sql.exec("INSERT INTO room_stream (seq, room_id, kind, position) VALUES (?, ?, ?, ?)", this.nextSeq(), roomId, kind, position);
		return true;
	}

	/** The seq of the room's first logged row (sync tokens name rooms by it, sync-token.ts), or null. */
	roomRef(roomId: string): number | null {
		return this.sql.exec<{ s: number | null }>("SELECT MIN(seq) AS s FROM room_stream WHERE room_id = ?", roomId).one().s;
	}

	/** The room a reference names, or null if no row has that seq. */
	roomOfRef(ref: number): string | null {
		return this.sql.exec<{ room_id: string }>("SELECT room_id FROM room_stream WHERE seq = ?", ref).toArray()[0]?.room_id ?? null;
	}

	/** Rows logged in (after, upTo]. */
	rowsBetween(after: number, upTo: number): { seq: number; room_id: string; kind: RoomStreamKind; position: number }[] {
		return this.sql
			.exec<{ seq: number; room_id: string; kind: RoomStreamKind; position: number }>(
				"SELECT seq, room_id, kind, position FROM room_stream WHERE seq > ? AND seq <= ? ORDER BY seq",
				after,
				upTo,
			)
			.toArray();
	}

	/** Every room ever poked, for an initial sync. */
	allRooms(): string[] {
		return this.sql
			.exec<{ room_id: string }>("SELECT DISTINCT room_id FROM room_stream WHERE kind = 'timeline' ORDER BY room_id")
			.toArray()
			.map((r) => r.room_id);
	}

	getMembership(roomId: string): MembershipRow | null {
		return (
			this.sql
				.exec<MembershipRow>("SELECT membership, observed_position FROM sync_memberships WHERE room_id = ?", roomId)
				.toArray()[0] ?? null
		);
	}

	setMembership(roomId: string, membership: string, position: number): void {
		this.sql.exec(
			`INSERT INTO sync_memberships (room_id, membership, observed_position) VALUES (?, ?, ?)
			ON CONFLICT (room_id) DO UPDATE SET membership = excluded.membership, observed_position = excluded.observed_position`,
			roomId,
			membership,
			position,
		);
	}

	joinedRooms(): string[] {
		return this.sql
			.exec<{ room_id: string }>("SELECT room_id FROM sync_memberships WHERE membership = 'join' ORDER BY room_id")
			.toArray()
			.map((r) => r.room_id);
	}

	// ---- account data (room_id '' is global) ----

	putAccountData(roomId: string, type: string, content: string): number {
		const seq = this.nextSeq();
		this.sql.exec(
			`INSERT INTO account_data (room_id, type, content, stream_id) VALUES (?, ?, ?, ?)
			ON CONFLICT (room_id, type) DO UPDATE SET content = excluded.content, stream_id = excluded.stream_id`,
			roomId,
			type,
			content,
			seq,
		);
		return seq;
	}

	getAccountData(roomId: string, type: string): string | null {
		return (
			this.sql
				.exec<{ content: string }>("SELECT content FROM account_data WHERE room_id = ? AND type = ?", roomId, type)
				.toArray()[0]?.content ?? null
		);
	}

	/** Every account data type the user set for one room, as stored (JSON text content). */
	roomAccountData(roomId: string): { type: string; content: string }[] {
		return this.sql.exec<{ type: string; content: string }>("SELECT type, content FROM account_data WHERE room_id = ? ORDER BY type", roomId).toArray();
	}

	accountDataSince(after: number): AccountDataRow[] {
		return this.sql
			.exec<AccountDataRow>("SELECT room_id, type, content, stream_id FROM account_data WHERE stream_id > ? ORDER BY stream_id", after)
			.toArray();
	}

	// ---- filters ----

	insertFilter(json: string): number {
		return this.sql.exec<{ filter_id: number }>("INSERT INTO filters (filter_json) VALUES (?) RETURNING filter_id", json).one().filter_id;
	}

	getFilter(filterId: number): string | null {
		return (
			this.sql.exec<{ filter_json: string }>("SELECT filter_json FROM filters WHERE filter_id = ?", filterId).toArray()[0]
				?.filter_json ?? null
		);
	}

	// ---- presence ----

	getPresence(): PresenceRow | null {
		return (
			this.sql
				.exec<PresenceRow>("SELECT state, status_msg, last_active_ts, stream_id FROM presence WHERE singleton = 1")
				.toArray()[0] ?? null
		);
	}

	putPresence(state: string, statusMsg: string | null, lastActiveTs: number): void {
		this.sql.exec(
			`INSERT INTO presence (singleton, state, status_msg, last_active_ts, stream_id) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (singleton) DO UPDATE SET state = excluded.state, status_msg = excluded.status_msg,
				last_active_ts = excluded.last_active_ts, stream_id = excluded.stream_id`,
			state,
			statusMsg,
			lastActiveTs,
			this.nextSeq(),
		);
	}
}
