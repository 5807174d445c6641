// UserDO.exportDevices: the lawful-access view of the user's devices and public keys. Allow-list: device ID,
// creation and last-seen times, the Ed25519 fingerprint key and the algorithms; cross-signing public keys.
// Never display names (grey data), one-time or fallback keys, signatures, or the Curve25519 identity key (it is
// the `sender_key` of encrypted events, which the design never discloses).
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported (TrafficData DeviceKeys).

export type ExportDevice = {
	device_id: string;
	created_ts: number;
	last_seen_ts: number | null;
	ed25519_key: string | null;
	algorithms: string[];
};

export type ExportCrossSigningKey = {
	usage: "master" | "self_signing" | "user_signing";
	ed25519_key: string;
};

export interface ExportDevices {
	devices: ExportDevice[];
	cross_signing: ExportCrossSigningKey[];
}

function objectOf(text: string): Record<string, unknown> {
	try {
		const parsed: unknown = JSON.parse(text);
		return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

/** The value of the first `ed25519:*` entry of a key object's `keys`, if it is a string. */
function ed25519Of(key: Record<string, unknown>): string | null {
	const keys = key.keys;
	if (typeof keys !== "object" || keys === null) return null;
	for (const [id, value] of Object.entries(keys)) {
		if (id.startsWith("ed25519:") && typeof value === "string") return value;
	}
	return null;
}

/** Devices that existed before the window's end (`createdBefore`), with their allow-listed key fields. */
export function exportDevices(sql: SqlStorage, createdBefore: number): ExportDevices {
	const rows = sql
		.exec<{ device_id: string; created_ts: number; last_seen_ts: number | null; key_json: string | null }>(
			`SELECT d.device_id AS device_id, d.created_ts AS created_ts, d.last_seen_ts AS last_seen_ts, k.key_json AS key_json
			FROM devices d LEFT JOIN device_keys k ON k.device_id = d.device_id
			WHERE d.created_ts < ?1 ORDER BY d.device_id`,
			createdBefore,
		)
		.toArray();
	const devices = rows.map((r) => {
		const key = r.key_json === null ? {} : objectOf(r.key_json);
		const algorithms = Array.isArray(key.algorithms) ? key.algorithms.filter((a): a is string => typeof a === "string") : [];
		return { device_id: r.device_id, created_ts: r.created_ts, last_seen_ts: r.last_seen_ts, ed25519_key: ed25519Of(key), algorithms };
	});
	const cross_signing: ExportCrossSigningKey[] = [];
	for (const row of sql.exec<{ key_type: string; key_json: string }>("SELECT key_type, key_json FROM cross_signing_keys ORDER BY key_type")) {
		const publicKey = ed25519Of(objectOf(row.key_json));
		if (publicKey === null) continue;
		if (row.key_type === "master" || row.key_type === "self_signing" || row.key_type === "user_signing") {
			cross_signing.push({ usage: row.key_type, ed25519_key: publicKey });
		}
	}
	return { devices, cross_signing };
}
