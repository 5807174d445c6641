// Collectors over D1: the subscriber record (accounts and their operator-managed 3PIDs), pushers (PushTargets) and media metadata
// (MediaMetadata). Each builds its records field by field from allow-listed columns.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported

import { threepidsOf } from "../../platform/threepids";
import { isoTime } from "../package/records-schema";
import { readAccount, readMedia, readPushers } from "./d1-sources";
import { decodeCursor, encodeCursor } from "./cursor";
import type { Collector } from "./types";

/** The account row. Subscriber data is not time-bounded: the account's state at production time. */
export const subscriberCollector: Collector<"subscriber"> = {
	set: "subscriber",
	async collect(ctx) {
		const row = await readAccount(ctx.env.DB, ctx.userId);
		if (row === null) return { records: [], next: null };
		const threepids = await threepidsOf(ctx.env.DB, ctx.userId);
		return {
			records: [
				{
					record_type: "urn:sealbridge:lawful:record:subscriber:1",
					ldid: ctx.ldid,
					user_id: row.user_id,
					created: isoTime(row.created_ts),
					deactivated: row.deactivated === 1,
					admin: row.is_admin === 1,
					guest: row.is_guest === 1,
					threepids: threepids.map((t) => ({ medium: t.medium, address: t.address, added: isoTime(t.added_ts), validated: isoTime(t.validated_ts) })),
				},
			],
			next: null,
		};
	},
};

export const pushersCollector: Collector<"pushers"> = {
	set: "pushers",
	async collect(ctx, cursor, limit) {
		const after = decodeCursor(cursor, ["", ""] as [string, string]);
		const rows = await readPushers(ctx.env.DB, ctx.userId, ctx.window.end, after, limit);
		const last = rows.at(-1);
		return {
			records: rows.map((r) => ({
				record_type: "urn:sealbridge:lawful:record:pusher:1" as const,
				ldid: ctx.ldid,
				user_id: ctx.userId,
				kind: r.kind,
				app_id: r.app_id,
				push_key: r.pushkey,
				gateway_url: typeof r.gateway_url === "string" ? r.gateway_url : null,
				created: isoTime(r.created_ts),
			})),
			next: rows.length < limit || last === undefined ? null : encodeCursor([last.app_id, last.pushkey]),
		};
	},
};

export const mediaCollector: Collector<"media"> = {
	set: "media",
	async collect(ctx, cursor, limit) {
		const after = decodeCursor(cursor, [-1, ""] as [number, string]);
		const rows = await readMedia(ctx.env.DB, ctx.userId, ctx.window, after, limit);
		const last = rows.at(-1);
		return {
			records: rows.map((r) => ({
				record_type: "urn:sealbridge:lawful:record:media:1" as const,
				ldid: ctx.ldid,
				uploader: ctx.userId,
				media_id: r.media_id,
				uploaded: isoTime(r.uploaded_ts),
				byte_length: r.size_bytes,
				content_type: r.content_type,
				sha256: r.sha256,
			})),
			next: rows.length < limit || last === undefined ? null : encodeCursor([last.uploaded_ts, last.media_id]),
		};
	},
};

/** How an IP or 3PID target found the account: the matches frozen in the plan when production started. */
export const targetMatchesCollector: Collector<"target-matches"> = {
	set: "target-matches",
	async collect(ctx) {
		return {
			records: (ctx.matches ?? []).map((m) => ({
				record_type: "urn:sealbridge:lawful:record:target-match:1" as const,
				ldid: ctx.ldid,
				identifier_format: m.format,
				identifier: m.identifier,
				user_id: m.userId,
				device_id: m.deviceId,
				first_seen: m.firstSeen === null ? null : isoTime(m.firstSeen),
				last_seen: m.lastSeen === null ? null : isoTime(m.lastSeen),
			})),
			next: null,
		};
	},
};
