// Collectors over the target's UserDO: sessions (UserDO.exportSessions, window in the query) and devices with
// their public keys plus cross-signing public keys (UserDO.exportDevices). The UserDO already returns only
// allow-listed fields; these build the typed records.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported

import { isoTime } from "../package/records-schema";
import { decodeCursor, encodeCursor } from "./cursor";
import type { Collector, CollectContext } from "./types";

type SessionCursor = { device_id: string; ip: string; user_agent: string };

/** Rows asked per call: at most the UserDO's cap (worker/user/export/export-sessions.ts MAX_PAGE), so a short page means "done". */
const SESSIONS_READ_MAX = 5_000;

function user(ctx: CollectContext) {
	return ctx.env.USER.getByName(ctx.userId);
}

export const sessionsCollector: Collector<"sessions"> = {
	set: "sessions",
	async collect(ctx, cursor, limit) {
		const after = decodeCursor<SessionCursor | null>(cursor, null);
		const asked = Math.min(limit, SESSIONS_READ_MAX);
		const rows = await user(ctx).exportSessions(ctx.window, after, asked);
		const last = rows.at(-1);
		return {
			records: rows.map((r) => ({
				record_type: "urn:sealbridge:lawful:record:session:1" as const,
				ldid: ctx.ldid,
				user_id: ctx.userId,
				device_id: r.device_id,
				ip: r.ip,
				user_agent: r.user_agent,
				first_seen: isoTime(r.first_seen_ts),
				last_seen: isoTime(r.last_seen_ts),
			})),
			next: rows.length < asked || last === undefined ? null : encodeCursor({ device_id: last.device_id, ip: last.ip, user_agent: last.user_agent }),
		};
	},
};

/** Devices are few (bounded by the account), so one page holds them all. */
export const devicesCollector: Collector<"devices"> = {
	set: "devices",
	async collect(ctx) {
		const { devices } = await user(ctx).exportDevices(ctx.window.end);
		return {
			records: devices.map((d) => ({
				record_type: "urn:sealbridge:lawful:record:device:1" as const,
				ldid: ctx.ldid,
				user_id: ctx.userId,
				device_id: d.device_id,
				created: isoTime(d.created_ts),
				last_seen: d.last_seen_ts === null ? null : isoTime(d.last_seen_ts),
				ed25519_key: d.ed25519_key,
				algorithms: d.algorithms,
			})),
			next: null,
		};
	},
};

export const crossSigningCollector: Collector<"cross-signing-keys"> = {
	set: "cross-signing-keys",
	async collect(ctx) {
		const { cross_signing } = await user(ctx).exportDevices(ctx.window.end);
		return {
			records: cross_signing.map((k) => ({
				record_type: "urn:sealbridge:lawful:record:cross-signing-key:1" as const,
				ldid: ctx.ldid,
				user_id: ctx.userId,
				usage: k.usage,
				ed25519_key: k.ed25519_key,
			})),
			next: null,
		};
	},
};
