// The D1 index from an IP address to the local accounts and devices that used it (table session_ip_index,
// migrations/0016_session_ip_index.sql). The UserDO writes it from its throttled session touch; the lawful
// export reads it to resolve IP targets and the hourly retention job purges it like the session IPs, skipping
// accounts under a preservation hold. Shared because the worker writes it and the export reads and purges it.
// Design: /work/shared/LAWFUL_ACCESS.md ("Order format": IPV4Address/IPV6Address with observedTime; "Preservation").

import { heldUsersSql } from "./preservation-holds";

/**
 * One text form per address, so a lookup finds what a session recorded: IPv6 is compressed and lower-cased
 * by the URL parser (the WHATWG host serialiser, RFC 5952 form); IPv4 and anything unparsable stay as given.
 */
export function canonicalIp(ip: string): string {
	const bare = ip.trim();
	if (!bare.includes(":")) return bare;
	try {
		const host = new URL(`http://[${bare.replace(/^\[|\]$/g, "")}]/`).hostname;
		return host.slice(1, -1);
	} catch {
		return bare.toLowerCase();
	}
}

/** Records a use of `ip` by (user, device) at `ts`: the first use sets first_seen, every later one last_seen. */
export async function recordSessionIp(db: D1Database, userId: string, deviceId: string, ip: string, ts: number): Promise<void> {
	if (ip === "") return;
	await db
		.prepare(
			`INSERT INTO session_ip_index (ip, user_id, device_id, first_seen_ts, last_seen_ts) VALUES (?1, ?2, ?3, ?4, ?4)
			ON CONFLICT (ip, user_id, device_id) DO UPDATE SET
				first_seen_ts = min(first_seen_ts, excluded.first_seen_ts), last_seen_ts = max(last_seen_ts, excluded.last_seen_ts)`,
		)
		.bind(canonicalIp(ip), userId, deviceId, ts)
		.run();
}

export interface SessionIpRow {
	ip: string;
	user_id: string;
	device_id: string;
	first_seen_ts: number;
	last_seen_ts: number;
}

/** Rows of `ip` whose [first_seen, last_seen] span overlaps [from, to], in (user, device) order; at most `limit`. */
export async function sessionIpUses(db: D1Database, ip: string, from: number, to: number, limit: number): Promise<SessionIpRow[]> {
	const { results } = await db
		.prepare(
			`SELECT ip, user_id, device_id, first_seen_ts, last_seen_ts FROM session_ip_index
			WHERE ip = ?1 AND first_seen_ts <= ?3 AND last_seen_ts >= ?2 ORDER BY user_id, device_id LIMIT ?4`,
		)
		.bind(canonicalIp(ip), from, to, limit)
		.all<SessionIpRow>();
	return results;
}

/** Rows deleted per statement, so one purge never holds D1 for long; the loop is bounded by MAX_BATCHES. */
const PURGE_BATCH = 1_000;
const MAX_BATCHES = 1_000;

/**
 * Deletes rows last seen before `before`, except those of accounts with an active preservation hold at `now`
 * (platform/preservation-holds.ts heldUsersSql). Returns the rows deleted and the held rows kept.
 */
export async function purgeSessionIpIndex(db: D1Database, before: number, now: number): Promise<{ deleted: number; held: number }> {
	const heldUsers = heldUsersSql("?2");
	let deleted = 0;
	for (let i = 0; i < MAX_BATCHES; i++) {
		const r = await db
			.prepare(
				`DELETE FROM session_ip_index WHERE rowid IN (SELECT rowid FROM session_ip_index
				WHERE last_seen_ts < ?1 AND user_id NOT IN (${heldUsers}) LIMIT ?3)`,
			)
			.bind(before, now, PURGE_BATCH)
			.run();
		deleted += r.meta.changes;
		if (r.meta.changes < PURGE_BATCH) break;
	}
	const kept = await db
		.prepare(`SELECT COUNT(*) AS n FROM session_ip_index WHERE last_seen_ts < ?1 AND user_id IN (${heldUsers})`)
		.bind(before, now)
		.first<{ n: number }>();
	return { deleted, held: kept?.n ?? 0 };
}
