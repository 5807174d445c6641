// Session IP retention: session records (device, IP, user agent) whose last use is older than the cutoff
// are deleted, and a device's last-seen IP older than the cutoff is blanked. The hourly job skips users a
// preservation hold names. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Preservation ... suspends
// purges"); the retention age is config `sessionIpRetentionDays`.

export interface PurgeResult {
	/** Session rows deleted (or, on a dry run, that would be). */
	sessions: number;
	/** Devices whose last-seen IP was (or would be) blanked. */
	devices: number;
}

export function purgeSessionIps(sql: SqlStorage, before: number, dryRun: boolean): PurgeResult {
	if (dryRun) {
		const s = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE last_seen_ts < ?", before).one().n;
		const d = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM devices WHERE last_seen_ts < ? AND last_seen_ip IS NOT NULL AND last_seen_ip != ''", before).one().n;
		return { sessions: s, devices: d };
	}
	const sessions = sql.exec("DELETE FROM sessions WHERE last_seen_ts < ? RETURNING 1", before).toArray().length;
	const devices = sql.exec("UPDATE devices SET last_seen_ip = NULL WHERE last_seen_ts < ? AND last_seen_ip IS NOT NULL AND last_seen_ip != '' RETURNING 1", before).toArray().length;
	return { sessions, devices };
}
