// Collectors of grey data (LAWFUL_ACCESS.md category table: "room names, topics, profile display name and
// avatar, DM map, device display names | grey | excluded unless policy allows"). The plan (collect/plan.ts)
// names these sets only when the provider's policy allowed grey data when production started and the order
// asked for the subtype; otherwise they are never read. Each builds typed records from allow-listed fields.

import { isoTime } from "../package/records-schema";
import { readProfile } from "./d1-sources";
import { BEFORE_ANY_POSITION, roomWalk } from "./room-collectors";
import type { Collector } from "./types";

/** Profile display name and avatar, as they are at production (profiles keep no history). */
export const profileCollector: Collector<"profile"> = {
	set: "profile",
	async collect(ctx) {
		const account = await ctx.env.DB.prepare("SELECT 1 AS ok FROM accounts WHERE user_id = ?1").bind(ctx.userId).first();
		if (account === null) return { records: [], next: null };
		const profile = await readProfile(ctx.env.DB, ctx.userId);
		return { records: [{ record_type: "urn:sealbridge:lawful:record:profile:1", ldid: ctx.ldid, user_id: ctx.userId, ...profile }], next: null };
	},
};

/** Display names of the devices that existed before the window's end (one page: devices are few). */
export const deviceNamesCollector: Collector<"device-names"> = {
	set: "device-names",
	async collect(ctx) {
		const { device_names } = await ctx.env.USER.getByName(ctx.userId).exportGreyData(ctx.window.end);
		return {
			records: device_names.map((d) => ({ record_type: "urn:sealbridge:lawful:record:device-name:1" as const, ldid: ctx.ldid, user_id: ctx.userId, device_id: d.device_id, display_name: d.display_name })),
			next: null,
		};
	},
};

/** The DM map (m.direct account data) as stored now: one record per (counterpart, room). */
export const directRoomsCollector: Collector<"direct-rooms"> = {
	set: "direct-rooms",
	async collect(ctx) {
		const { direct_rooms } = await ctx.env.USER.getByName(ctx.userId).exportGreyData(ctx.window.end);
		return {
			records: direct_rooms.map((d) => ({ record_type: "urn:sealbridge:lawful:record:direct-room:1" as const, ldid: ctx.ldid, user_id: ctx.userId, counterpart: d.counterpart, room_id: d.room_id })),
			next: null,
		};
	},
};

/**
 * Names and topics of the target's rooms in force during the window (at its start, and changes inside it),
 * from the RoomDO's projection; read from below every position, since a joined remote room's earlier names sit
 * in backfilled history (at zero and below).
 */
export const roomDetailsCollector = roomWalk("room-details", BEFORE_ANY_POSITION, async (ctx, roomId, after, limit) => {
	const rows = await ctx.env.ROOM.getByName(roomId).exportRoomDetails(ctx.window, after, limit);
	return {
		records: rows.map((r) => ({
			record_type: "urn:sealbridge:lawful:record:room-detail:1" as const,
			ldid: ctx.ldid,
			room_id: roomId,
			event_id: r.event_id,
			field: r.field,
			value: r.value,
			time: isoTime(r.origin_server_ts),
		})),
		after: rows.length < limit ? null : (rows.at(-1)?.stream_ordering ?? null),
	};
});
