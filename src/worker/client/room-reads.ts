// Reading a room: GET /rooms/{roomId}/event, /context, /messages, /members, /joined_members, /state and
// /state/{eventType}/{stateKey}. The RoomDO applies history visibility for the calling user; /messages asks
// other servers for older events when a page reaches the oldest one the room holds (bridge/backfill/).
// Spec: https://spec.matrix.org/latest/client-server-api/#getting-events-for-a-room

import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { ClientEvent } from "../room/api";
import type { Handler } from "hono";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { dirParam, eventIdParam, intParam, jsonText, readerOf, roomEventFilterParam, roomIdParam, roomStub } from "./room-read-params";

const ROOM = "/_matrix/client/v3/rooms/:roomId";
/** Reads are cheap for the room but clients page eagerly at start-up: generous, bounded. */
const READ_LIMIT: RateLimit = { perSecond: 20, burst: 100 };
/** Spec default for /messages and /context; we cap what one request may ask for. */
const DEFAULT_LIMIT = 10;
const MAX_MESSAGES_LIMIT = 1000;
const MAX_CONTEXT_LIMIT = 100;

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
	return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Whether a /messages page (JSON text) names an `end` token: without one, the room had nothing older. */
function hasEnd(page: string): boolean {
	return (JSON.parse(page) as { end?: string }).end !== undefined;
}

/** GET /state/{eventType}/{stateKey}: the content (or with `format=event`, the whole event). */
const getStateEvent: Handler<AppEnv> = async (c) => {
	const roomId = roomIdParam(c);
	const eventType = c.req.param("eventType") ?? "";
	const stateKey = c.req.param("stateKey") ?? "";
	const format = c.req.query("format") ?? "content";
	if (format !== "content" && format !== "event") throw new MatrixError("M_INVALID_PARAM", "format must be 'content' or 'event'");
	const result = await roomStub(c, roomId).readStateEventJson(readerOf(c), eventType, stateKey);
	if (format === "event") return jsonText(result);
	return c.json((JSON.parse(unwrapRpc(result)) as ClientEvent).content);
};

export const roomReadEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: `${ROOM}/event/:eventId`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const eventId = eventIdParam(c);
			return jsonText(await roomStub(c, roomId).readEventJson(readerOf(c), eventId));
		},
	},
	{
		method: "GET",
		path: `${ROOM}/context/:eventId`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const eventId = eventIdParam(c);
			const { filter, limit: filterLimit } = roomEventFilterParam(c);
			const limit = Math.min(intParam(c, "limit", DEFAULT_LIMIT, MAX_CONTEXT_LIMIT), filterLimit ?? MAX_CONTEXT_LIMIT);
			const request = { ...readerOf(c), event_id: eventId, limit, ...(filter === undefined ? {} : { filter }) };
			return jsonText(await roomStub(c, roomId).readContextJson(request));
		},
	},
	{
		method: "GET",
		path: `${ROOM}/messages`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const dir = dirParam(c);
			const { filter, limit: filterLimit } = roomEventFilterParam(c);
			const limit = Math.min(intParam(c, "limit", DEFAULT_LIMIT, MAX_MESSAGES_LIMIT), filterLimit ?? MAX_MESSAGES_LIMIT);
			const request = {
				...readerOf(c),
				dir,
				limit,
				...optional("from", c.req.query("from")),
				...optional("to", c.req.query("to")),
				...(filter === undefined ? {} : { filter }),
			};
			const stub = roomStub(c, roomId);
			const page = await stub.readMessagesJson(request);
			// A backward page that reached the oldest event the room holds: ask a server in the room for older
			// ones (bounded), then answer again from the same token, so the new events follow on with no gap.
			// Read again whenever someone was asked: a concurrent page may have stored what this round found.
			if (dir === "b" && request.to === undefined && page.ok && !hasEnd(page.value) && (await c.get("roomFederation").backfill(roomId).catch(() => null)) !== null) {
				return jsonText(await stub.readMessagesJson(request));
			}
			return jsonText(page);
		},
	},
	{
		method: "GET",
		path: `${ROOM}/members`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const memberships = ["join", "invite", "knock", "leave", "ban"];
			const membership = c.req.query("membership");
			const notMembership = c.req.query("not_membership");
			for (const m of [membership, notMembership]) {
				if (m !== undefined && !memberships.includes(m)) throw new MatrixError("M_INVALID_PARAM", "Unknown membership");
			}
			const request = {
				...readerOf(c),
				...optional("at", c.req.query("at")),
				...optional("membership", membership),
				...optional("not_membership", notMembership),
			};
			return jsonText(await roomStub(c, roomId).readMembersJson(request), (members) => `{"chunk":${members}}`);
		},
	},
	{
		method: "GET",
		path: `${ROOM}/joined_members`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			return jsonText(await roomStub(c, roomId).readJoinedMembersJson(readerOf(c)), (joined) => `{"joined":${joined}}`);
		},
	},
	{
		method: "GET",
		path: `${ROOM}/state`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const roomId = roomIdParam(c);
			return jsonText(await roomStub(c, roomId).readStateJson(readerOf(c)));
		},
	},
	// Three paths as PUT has them (client/send.ts): `/state/{type}/{key}`, and the empty key as `/state/{type}/`
	// or `/state/{type}`.
	...[`${ROOM}/state/:eventType/:stateKey`, `${ROOM}/state/:eventType/`, `${ROOM}/state/:eventType`].map(
		(path): Endpoint => ({ method: "GET", path, auth: "user", rateLimit: READ_LIMIT, handler: getStateEvent }),
	),
];
