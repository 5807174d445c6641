// GET /notifications: the events that notified the user (by their push rules) across their joined rooms,
// newest first, each with its actions and whether it has been read. Each RoomDO judges its own events
// (room/notifications.ts); this merges the rooms' newest and pages with an opaque `from` token.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3notifications

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { rulesDigest } from "../../protocol/push/unread";
import { roomsWithMembership } from "../d1/memberships";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import type { NotificationCursor, RoomNotification, RoomNotifications } from "../room/notifications";
import { intParam } from "./room-read-params";

/** Synapse's default page; the cap keeps one request's fan-out answer small. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
/** Rooms asked at once: a user in thousands of rooms is served in waves. */
const ROOMS_AT_ONCE = 50;

/** `{ts}_{stream}_{roomId}`: the room ID goes last because its opaque part may hold anything. */
export function formatNotificationToken(c: NotificationCursor): string {
	return `${c.ts}_${c.stream_ordering}_${c.room_id}`;
}

export function parseNotificationToken(token: string): NotificationCursor | null {
	const m = /^(\d{1,15})_(\d{1,15})_(!.+)$/.exec(token);
	return m === null ? null : { ts: Number(m[1]), stream_ordering: Number(m[2]), room_id: m[3]! };
}

/** Newest first; ties broken by room ID and stream position, the order the cursor encodes. */
function compare(a: RoomNotification, b: RoomNotification): number {
	if (a.ts !== b.ts) return b.ts - a.ts;
	if (a.room_id !== b.room_id) return a.room_id < b.room_id ? 1 : -1;
	return b.stream_ordering - a.stream_ordering;
}

async function getNotifications(c: Context<AppEnv>): Promise<Response> {
	const limit = Math.max(1, intParam(c, "limit", DEFAULT_LIMIT, MAX_LIMIT));
	const from = c.req.query("from");
	const cursor = from === undefined ? null : parseNotificationToken(from);
	if (from !== undefined && cursor === null) throw new MatrixError("M_INVALID_PARAM", "Unknown from token");
	const only = c.req.query("only");
	const onlyHighlight = only === "highlight";

	const user = c.get("user");
	const rulesJson = await c.env.USER.getByName(user).getPushRulesJson();
	const digest = rulesJson === null ? null : rulesDigest({ global: JSON.parse(rulesJson) as JsonObject });
	const rooms = digest === null ? [] : await roomsWithMembership(c.env.DB, user, "join");
	const found: RoomNotification[] = [];
	let more = false;
	for (let i = 0; i < rooms.length; i += ROOMS_AT_ONCE) {
		const answers = await Promise.all(
			rooms.slice(i, i + ROOMS_AT_ONCE).map(async (roomId) => {
				const json = await c.env.ROOM.getByName(roomId).getNotificationsJson(user, digest!, { cursor, limit, only_highlight: onlyHighlight });
				return JSON.parse(json) as RoomNotifications | null;
			}),
		);
		for (const answer of answers) {
			if (answer === null) continue;
			found.push(...answer.notifications);
			if (!answer.exhausted) more = true;
		}
	}
	found.sort(compare);
	const page = found.slice(0, limit);
	const last = page[page.length - 1];
	const hasNext = last !== undefined && (found.length > limit || more);
	return c.json({
		notifications: page.map(({ stream_ordering: _position, ...n }) => n),
		...(hasNext ? { next_token: formatNotificationToken(last) } : {}),
	});
}

export const notificationsEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_matrix/client/v3/notifications", auth: "user", rateLimit: { perSecond: 5, burst: 20 }, handler: getNotifications },
];
