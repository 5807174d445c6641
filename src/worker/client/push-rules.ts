// The push rules API: read the ruleset, create/replace/delete user rules, enable/disable and change the
// actions of any rule (server defaults included). Storage is the caller's UserDO (user/push/).
// Spec: https://spec.matrix.org/latest/client-server-api/#push-rules-api

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { checkUserRuleId, isRuleKind, parseActions, parseUserRuleBody, type PushRule, type RuleKind } from "../../protocol/push";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";

const BASE = "/_matrix/client/v3/pushrules";
const RULE = `${BASE}/global/:kind/:ruleId`;
/** Clients read rules at start-up and change them on a settings click: generous, but bounded. */
const READ_LIMIT: RateLimit = { perSecond: 10, burst: 50 };
/** The spec marks PUT as rate-limited. */
const WRITE_LIMIT: RateLimit = { perSecond: 2, burst: 20 };

function userDo(c: Context<AppEnv>) {
	return c.env.USER.getByName(c.get("user"));
}

/** The path's kind and rule ID; an unknown kind is a bad parameter, not a missing rule. */
function target(c: Context<AppEnv>): { kind: RuleKind; ruleId: string } {
	const kind = c.req.param("kind");
	if (kind === undefined || !isRuleKind(kind)) throw new MatrixError("M_INVALID_PARAM", "Unknown push rule kind");
	return { kind, ruleId: c.req.param("ruleId") ?? "" };
}

/** The ruleset as JSON text (it crosses RPC as text; see UserDO.getPushRulesJson). */
async function rulesetJson(c: Context<AppEnv>): Promise<string> {
	const rules = await userDo(c).getPushRulesJson();
	if (rules === null) throw new MatrixError("M_UNKNOWN", "No such user", { status: 500 });
	return rules;
}

async function getRule(c: Context<AppEnv>, kind: RuleKind, ruleId: string): Promise<PushRule> {
	return JSON.parse(unwrapRpc(await userDo(c).getPushRuleJson(kind, ruleId))) as PushRule;
}

function jsonText(text: string): Response {
	return new Response(text, { headers: { "content-type": "application/json" } });
}

function enabledBody(body: JsonObject): boolean | undefined {
	if (body.enabled === undefined) throw new MatrixError("M_MISSING_PARAM", "'enabled' is required");
	return typeof body.enabled === "boolean" ? body.enabled : undefined;
}

export const pushRulesEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: `${BASE}/`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => jsonText(`{"global":${await rulesetJson(c)}}`),
	},
	{
		method: "GET",
		path: `${BASE}/global/`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => jsonText(await rulesetJson(c)),
	},
	{
		method: "GET",
		path: RULE,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			return c.json(await getRule(c, kind, ruleId));
		},
	},
	{
		method: "PUT",
		path: RULE,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			checkUserRuleId(kind, ruleId);
			const body = parseUserRuleBody(kind, await readJsonBody(c));
			const before = c.req.query("before");
			const after = c.req.query("after");
			const position = { ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
			unwrapRpc(await userDo(c).putPushRule(kind, ruleId, body, position));
			return c.json({});
		},
	},
	{
		method: "DELETE",
		path: RULE,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			unwrapRpc(await userDo(c).deletePushRule(kind, ruleId));
			return c.json({});
		},
	},
	{
		method: "GET",
		path: `${RULE}/enabled`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			return c.json({ enabled: (await getRule(c, kind, ruleId)).enabled });
		},
	},
	{
		method: "PUT",
		path: `${RULE}/enabled`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			const enabled = await readJsonBody(c, enabledBody);
			unwrapRpc(await userDo(c).setPushRuleEnabled(kind, ruleId, enabled));
			return c.json({});
		},
	},
	{
		method: "GET",
		path: `${RULE}/actions`,
		auth: "user",
		rateLimit: READ_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			return c.json({ actions: (await getRule(c, kind, ruleId)).actions });
		},
	},
	{
		method: "PUT",
		path: `${RULE}/actions`,
		auth: "user",
		rateLimit: WRITE_LIMIT,
		handler: async (c) => {
			const { kind, ruleId } = target(c);
			const body = await readJsonBody(c);
			if (body.actions === undefined) throw new MatrixError("M_MISSING_PARAM", "'actions' is required");
			unwrapRpc(await userDo(c).setPushRuleActions(kind, ruleId, parseActions(body.actions)));
			return c.json({});
		},
	},
];
