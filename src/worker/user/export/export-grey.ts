// UserDO.exportGreyData: the lawful-access view of the user's grey data (LAWFUL_ACCESS.md category table:
// "DM map, device display names | grey | excluded unless policy allows"). Only the export calls it, and only when
// the provider's policy allows and the order asks (src/export/collect/plan.ts). Allow-list: each device's ID and
// display name; from m.direct account data only the user IDs and room IDs (any other value is dropped).
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported

export type ExportDeviceName = { device_id: string; display_name: string | null };
export type ExportDirectRoom = { counterpart: string; room_id: string };

export interface ExportGreyData {
	device_names: ExportDeviceName[];
	direct_rooms: ExportDirectRoom[];
}

/** Bounds what one call returns: m.direct is the client's own data and could be large. */
const MAX_DIRECT_ROOMS = 10_000;

function directRooms(text: string | undefined): ExportDirectRoom[] {
	if (text === undefined) return [];
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return [];
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return [];
	const out: ExportDirectRoom[] = [];
	for (const [counterpart, rooms] of Object.entries(parsed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
		if (!/^@[^:]+:.+$/.test(counterpart) || !Array.isArray(rooms)) continue;
		for (const room of rooms) {
			if (typeof room === "string" && room.startsWith("!") && out.length < MAX_DIRECT_ROOMS) out.push({ counterpart, room_id: room });
		}
	}
	return out;
}

/** Devices that existed before the window's end with their display names, and the DM map as stored now. */
export function exportGreyData(sql: SqlStorage, createdBefore: number): ExportGreyData {
	const device_names = sql
		.exec<ExportDeviceName>("SELECT device_id, display_name FROM devices WHERE created_ts < ?1 ORDER BY device_id", createdBefore)
		.toArray();
	const direct = sql.exec<{ content: string }>("SELECT content FROM account_data WHERE room_id = '' AND type = 'm.direct'").toArray()[0];
	return { device_names, direct_rooms: directRooms(direct?.content) };
}
