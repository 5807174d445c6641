// What the directory asks of a room: its public-room chunk from current state, and whether a user has
// the power to manage the room's directory entries (aliases, published visibility).
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3publicrooms and
// https://spec.matrix.org/latest/client-server-api/#delete_matrixclientv3directoryroomroomalias
// ("a user with sufficient power in the room to send an m.room.canonical_alias event").

import { requiredEventLevel, roomPower, userPowerLevel } from "../../protocol/auth/power-levels";
import type { StateLookup } from "../../protocol/auth/result";
import { type PublicRoomChunk, summariseRoom } from "../../protocol/directory/public-room";
import type { Pdu, RoomEvent } from "../../protocol/events/pdu";
import { roomVersionRules } from "../../protocol/room-versions/rules";

/** The state events a directory entry and the power check read (all with the empty state key). */
const SUMMARY_TYPES = [
	"m.room.create",
	"m.room.name",
	"m.room.topic",
	"m.room.canonical_alias",
	"m.room.avatar",
	"m.room.join_rules",
	"m.room.history_visibility",
	"m.room.guest_access",
	"m.room.power_levels",
];

type StateRow = { event_id: string; type: string; state_key: string; sender: string; pdu: string };

/** Reads one room's current state for the directory. Its SQL runs on the RoomDO's own storage. */
export class PublicSummary {
	constructor(private readonly sql: SqlStorage) {}

	private roomMeta(): { room_id: string; room_version: string } | null {
		return this.sql.exec<{ room_id: string; room_version: string }>("SELECT room_id, room_version FROM room_meta WHERE singleton = 1").toArray()[0] ?? null;
	}

	/** The empty-state-key events of SUMMARY_TYPES, as RoomEvents (the fields the power rules read). */
	private state(roomId: string): Map<string, RoomEvent> {
		const placeholders = SUMMARY_TYPES.map(() => "?").join(", ");
		const rows = this.sql
			.exec<StateRow>(
				`SELECT e.event_id, cs.type, cs.state_key, e.sender, e.pdu FROM current_state cs JOIN events e ON e.event_id = cs.event_id
				WHERE cs.state_key = '' AND cs.type IN (${placeholders})`,
				...SUMMARY_TYPES,
			)
			.toArray();
		const out = new Map<string, RoomEvent>();
		for (const row of rows) {
			const pdu = JSON.parse(row.pdu) as Pdu;
			out.set(row.type, {
				event_id: row.event_id,
				room_id: roomId,
				type: row.type,
				state_key: row.state_key,
				sender: row.sender,
				origin_server_ts: pdu.origin_server_ts,
				content: pdu.content,
				depth: pdu.depth,
				// Not read by the power rules; the directory never walks the DAG.
				prev_events: [],
				auth_events: [],
				pdu,
			});
		}
		return out;
	}

	private joinedMembers(): number {
		const row = this.sql
			.exec<{ n: number }>(
				`SELECT COUNT(*) AS n FROM current_state cs JOIN events e ON e.event_id = cs.event_id
				WHERE cs.type = 'm.room.member' AND json_extract(e.pdu, '$.content.membership') = 'join'`,
			)
			.one();
		return row.n;
	}

	/** The room's directory chunk, or null if this object holds no room. */
	chunk(): PublicRoomChunk | null {
		const meta = this.roomMeta();
		if (meta === null) return null;
		const state = this.state(meta.room_id);
		return summariseRoom(meta.room_id, (type) => state.get(type)?.content, this.joinedMembers());
	}

	/** Whether `userId` may send an m.room.canonical_alias event here (false for an unknown room). */
	canManageAliases(userId: string): boolean {
		const meta = this.roomMeta();
		const rules = meta === null ? undefined : roomVersionRules(meta.room_version);
		if (meta === null || rules === undefined) return false;
		const state = this.state(meta.room_id);
		const lookup: StateLookup = (type, stateKey) => (stateKey === "" ? state.get(type) : undefined);
		const power = roomPower(rules.auth, lookup);
		return userPowerLevel(power, userId) >= requiredEventLevel(power, "m.room.canonical_alias", "");
	}
}
