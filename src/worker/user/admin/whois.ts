// UserDO.adminWhois: the user's devices with where and with what client each was used, shaped as the
// spec's devices → sessions → connections. We record sessions per (device, IP, user agent), not per
// access token, so each device has one session whose connections are those records, newest first.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3adminwhoisuserid

export interface WhoisConnection {
	ip: string;
	last_seen: number;
	user_agent: string;
}

export interface WhoisResponse {
	user_id: string;
	devices: Record<string, { sessions: { connections: WhoisConnection[] }[] }>;
}

/** Connections shown per device: a long-lived device can collect many IPs; admins need the recent ones. */
const MAX_CONNECTIONS = 100;

type Row = { device_id: string; ip: string; user_agent: string; last_seen_ts: number | null };

/** Current devices only: session records of deleted devices are kept for the retention period (export), not shown here. */
export function whois(sql: SqlStorage, userId: string): WhoisResponse {
	const rows = sql
		.exec<Row>(
			`SELECT d.device_id AS device_id, s.ip AS ip, s.user_agent AS user_agent, s.last_seen_ts AS last_seen_ts
			FROM devices d LEFT JOIN sessions s ON s.device_id = d.device_id
			ORDER BY d.device_id, s.last_seen_ts DESC`,
		)
		.toArray();
	const devices: WhoisResponse["devices"] = {};
	for (const row of rows) {
		const session = (devices[row.device_id] ??= { sessions: [{ connections: [] }] }).sessions[0]!;
		if (row.last_seen_ts === null || session.connections.length >= MAX_CONNECTIONS) continue;
		session.connections.push({ ip: row.ip, last_seen: row.last_seen_ts, user_agent: row.user_agent });
	}
	return { user_id: userId, devices };
}
