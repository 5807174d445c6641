// Account data, global and per room, and room tags (per-room m.tag account data): own user only.
// Spec: https://spec.matrix.org/latest/client-server-api/#client-config and
// https://spec.matrix.org/latest/client-server-api/#room-tagging

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { utf8Length } from "../../protocol/ids/common";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { roomIdParam } from "../room/client-send";
import { ownUserParam } from "./own-user-param";

const USER = "/_matrix/client/v3/user/:userId";
const WRITE_LIMIT: RateLimit = { perSecond: 5, burst: 50 };
/** Types and tags are event-type-like names: non-empty, at most 255 bytes (spec "Size limits"). */
const MAX_NAME_BYTES = 255;

function nameParam(c: Context<AppEnv>, name: "type" | "tag"): string {
	const value = c.req.param(name);
	if (value === undefined || value === "" || utf8Length(value) > MAX_NAME_BYTES) {
		throw new MatrixError("M_INVALID_PARAM", `Invalid ${name}`);
	}
	return value;
}

function jsonResponse(c: Context<AppEnv>, json: string): Response {
	return c.body(json, 200, { "content-type": "application/json" });
}

async function putData(c: Context<AppEnv>, roomId: string): Promise<Response> {
	const userId = ownUserParam(c, "set account data");
	const type = nameParam(c, "type");
	const body = await readJsonBody(c);
	unwrapRpc(await c.env.USER.getByName(userId).putAccountDataJson(roomId, type, JSON.stringify(body)));
	return c.json({});
}

async function getData(c: Context<AppEnv>, roomId: string): Promise<Response> {
	const userId = ownUserParam(c, "read account data");
	const type = nameParam(c, "type");
	return jsonResponse(c, unwrapRpc(await c.env.USER.getByName(userId).getAccountDataJson(roomId, type)));
}

/** Spec: `order` is "a number in a range [0,1]"; other keys are kept as the client sent them. */
function validTag(body: JsonObject): JsonObject | undefined {
	const order = body.order;
	if (order !== undefined && (typeof order !== "number" || order < 0 || order > 1)) return undefined;
	return body;
}

export const accountDataEndpoints: Endpoint[] = [
	{ method: "PUT", path: `${USER}/account_data/:type`, auth: "user", rateLimit: WRITE_LIMIT, handler: (c) => putData(c, "") },
	{ method: "GET", path: `${USER}/account_data/:type`, auth: "user", rateLimit: null, handler: (c) => getData(c, "") },
	{
		method: "PUT",
		path: `${USER}/rooms/:roomId/account_data/:type`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: (c) => putData(c, roomIdParam(c.req.param("roomId"))),
	},
	{
		method: "GET",
		path: `${USER}/rooms/:roomId/account_data/:type`,
		auth: "user",
		rateLimit: null,
		handler: (c) => getData(c, roomIdParam(c.req.param("roomId"))),
	},
	{
		method: "GET",
		path: `${USER}/rooms/:roomId/tags`,
		auth: "user",
		rateLimit: null,
		handler: async (c) => {
			const userId = ownUserParam(c, "read tags");
			const roomId = roomIdParam(c.req.param("roomId"));
			const result = await c.env.USER.getByName(userId).getAccountDataJson(roomId, "m.tag");
			const tags = result.ok ? (JSON.parse(result.value) as JsonObject).tags : undefined;
			return c.json({ tags: typeof tags === "object" && tags !== null && !Array.isArray(tags) ? tags : {} });
		},
	},
	{
		method: "PUT",
		path: `${USER}/rooms/:roomId/tags/:tag`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const userId = ownUserParam(c, "set tags");
			const roomId = roomIdParam(c.req.param("roomId"));
			const tag = nameParam(c, "tag");
			const body = await readJsonBody(c, validTag);
			await c.env.USER.getByName(userId).setTagJson(roomId, tag, JSON.stringify(body));
			return c.json({});
		},
	},
	{
		method: "DELETE",
		path: `${USER}/rooms/:roomId/tags/:tag`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const userId = ownUserParam(c, "remove tags");
			const roomId = roomIdParam(c.req.param("roomId"));
			await c.env.USER.getByName(userId).setTagJson(roomId, nameParam(c, "tag"), null);
			return c.json({});
		},
	},
];
