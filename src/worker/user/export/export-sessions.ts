// UserDO.exportSessions: the lawful-access view of where and with what client the user's devices were used
// (device ID, IP, user agent, first/last seen), only sessions that overlap the window, in keyset pages.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported (sessions row: SubscriberData / UserIdentifyingData).

/** A half-open window [start, end) in epoch ms. */
export interface ExportSessionWindow {
	start: number;
	end: number;
}

export type ExportSession = {
	device_id: string;
	ip: string;
	user_agent: string;
	first_seen_ts: number;
	last_seen_ts: number;
};

/** The last row of the previous page; the next page starts after it in (device_id, ip, user_agent) order. */
export type ExportSessionCursor = { device_id: string; ip: string; user_agent: string };

const MAX_PAGE = 5_000;

/** Sessions in use at some time inside the window: first seen before its end, last seen at or after its start. */
export function exportSessions(sql: SqlStorage, window: ExportSessionWindow, after: ExportSessionCursor | null, limit: number): ExportSession[] {
	const c = after ?? { device_id: "", ip: "", user_agent: "" };
	// The empty cursor sorts before every row only when no device ID is '' — device IDs are never empty.
	return sql
		.exec<ExportSession>(
			`SELECT device_id, ip, user_agent, first_seen_ts, last_seen_ts FROM sessions
			WHERE first_seen_ts < ?1 AND last_seen_ts >= ?2 AND (device_id, ip, user_agent) > (?3, ?4, ?5)
			ORDER BY device_id, ip, user_agent LIMIT ?6`,
			window.end,
			window.start,
			c.device_id,
			c.ip,
			c.user_agent,
			Math.max(1, Math.min(MAX_PAGE, Math.floor(limit))),
		)
		.toArray();
}
