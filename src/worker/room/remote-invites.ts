// Invites to a room this server does not hold yet (PUT /_matrix/federation/v2/invite from the room's
// server): the countersigned invite and its stripped state, kept per invitee so /sync shows it in
// `rooms.invite` until the user joins (the remote-join path then creates the room) or rejects it.
// A local user's knock on such a room (send_knock) is kept the same way, for `rooms.knock`.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2inviteroomideventid,
// https://spec.matrix.org/latest/client-server-api/#stripped-state

import type { StrippedStateEvent } from "./api";

/** The table, created on first use: the invite arrives before the room (and its schema's data) exists. */
const SCHEMA = `CREATE TABLE IF NOT EXISTS remote_invites (
	user_id TEXT PRIMARY KEY,
	event_id TEXT NOT NULL,
	origin TEXT NOT NULL,
	membership TEXT NOT NULL,
	stripped_state TEXT NOT NULL,
	position INTEGER NOT NULL
)`;

export interface RemoteInvite {
	event_id: string;
	/** The inviting server (or the one the knock went through): a join or rejection goes through it. */
	origin: string;
	/** "invite", "knock" (our user's knock), or "leave" once rejected or retracted. */
	membership: "invite" | "leave" | "knock";
	stripped_state: StrippedStateEvent[];
	/** A room position for the user's /sync: it only grows, so a later change wins. */
	position: number;
}

export class RemoteInvites {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	get(userId: string): RemoteInvite | null {
		const row = this.sql
			.exec<{ event_id: string; origin: string; membership: string; stripped_state: string; position: number }>(
				"SELECT event_id, origin, membership, stripped_state, position FROM remote_invites WHERE user_id = ?",
				userId,
			)
			.toArray()[0];
		if (!row) return null;
		const membership = row.membership === "leave" || row.membership === "knock" ? row.membership : "invite";
		return { ...row, membership, stripped_state: JSON.parse(row.stripped_state) as StrippedStateEvent[] };
	}

	/** The largest position given out: a room created here later continues after it, so /sync sees its news. */
	maxPosition(): number {
		return this.sql.exec<{ p: number | null }>("SELECT MAX(position) AS p FROM remote_invites").one().p ?? 0;
	}

	/** Stores (or replaces) the user's invite; returns its position. */
	put(userId: string, invite: Omit<RemoteInvite, "position">): number {
		const position = this.maxPosition() + 1;
		this.sql.exec(
			"INSERT OR REPLACE INTO remote_invites (user_id, event_id, origin, membership, stripped_state, position) VALUES (?, ?, ?, ?, ?, ?)",
			userId,
			invite.event_id,
			invite.origin,
			invite.membership,
			JSON.stringify(invite.stripped_state),
			position,
		);
		return position;
	}
}
