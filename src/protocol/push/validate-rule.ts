// Checking a client's push rule before it is stored: rule IDs, actions, conditions and patterns.
// Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3pushrulesglobalkindruleid
// and https://spec.matrix.org/latest/client-server-api/#actions, #conditions-1

import type { JsonObject, JsonValue } from "../events/pdu";
import { MatrixError } from "../errors";
import { parseRoomId } from "../ids/room-id";
import { parseUserId } from "../ids/user-id";
import { isServerDefaultRuleId } from "./predefined-rules";
import type { PushAction, PushCondition, RuleKind, UserRuleBody } from "./types";

/** "Clients and homeservers MUST ignore these actions, for instance, by stripping them." */
const HISTORICAL_ACTIONS = new Set(["dont_notify", "coalesce"]);

function bad(message: string): MatrixError {
	return new MatrixError("M_BAD_JSON", message);
}

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Only non-compound canonical JSON values may be compared: strings, safe integers, booleans, null. */
function isNonCompound(v: JsonValue | undefined): v is string | number | boolean | null {
	return typeof v === "string" || typeof v === "boolean" || v === null || (typeof v === "number" && Number.isSafeInteger(v));
}

/**
 * A rule ID a client may create: never a server-default ID (leading dot), no `/` or `\`; a room rule is
 * named by its room ID and a sender rule by its user ID.
 */
export function checkUserRuleId(kind: RuleKind, ruleId: string): void {
	if (ruleId === "" || isServerDefaultRuleId(ruleId)) {
		throw new MatrixError("M_INVALID_PARAM", "Rule IDs starting with '.' are reserved for server-default rules");
	}
	if (/[/\\]/.test(ruleId)) throw new MatrixError("M_INVALID_PARAM", "Rule IDs may not contain '/' or '\\'");
	if (kind === "room" && parseRoomId(ruleId) === undefined) throw new MatrixError("M_INVALID_PARAM", "A room rule's ID must be a room ID");
	if (kind === "sender" && parseUserId(ruleId) === undefined) throw new MatrixError("M_INVALID_PARAM", "A sender rule's ID must be a user ID");
}

/** The actions array, with historical actions stripped. Unknown string actions are refused. */
export function parseActions(value: JsonValue | undefined): PushAction[] {
	if (!Array.isArray(value)) throw bad("'actions' must be an array");
	const actions: PushAction[] = [];
	for (const action of value) {
		if (typeof action === "string") {
			if (HISTORICAL_ACTIONS.has(action)) continue;
			if (action !== "notify") throw bad(`Unknown push rule action: ${action}`);
			actions.push(action);
		} else if (isObject(action) && typeof action.set_tweak === "string") {
			actions.push(action);
		} else {
			throw bad("Each action must be a string or an object with a string 'set_tweak'");
		}
	}
	return actions;
}

/** `is`: a decimal integer optionally prefixed by `==`, `<`, `>`, `>=` or `<=`. */
export const MEMBER_COUNT_IS = /^(==|<=|>=|<|>)?[0-9]+$/;

function parseCondition(value: JsonValue): PushCondition {
	if (!isObject(value) || typeof value.kind !== "string") throw bad("Each condition must be an object with a string 'kind'");
	const c = value;
	const requireString = (field: string): void => {
		if (typeof c[field] !== "string") throw bad(`A ${String(c.kind)} condition needs a string '${field}'`);
	};
	switch (c.kind) {
		case "event_match":
			requireString("key");
			requireString("pattern");
			break;
		case "event_property_is":
		case "event_property_contains":
			requireString("key");
			if (!isNonCompound(c.value)) throw bad(`A ${c.kind} condition needs a non-compound 'value'`);
			break;
		case "room_member_count":
			if (typeof c.is !== "string" || !MEMBER_COUNT_IS.test(c.is)) throw bad("A room_member_count condition needs 'is' like '2', '>=10'");
			break;
		case "sender_notification_permission":
			requireString("key");
			break;
		// contains_display_name has no parameters; unknown kinds are stored and never match (spec).
	}
	return c as PushCondition;
}

/** The stored body of a user rule of `kind`: actions, plus conditions (override/underride) or a pattern (content). */
export function parseUserRuleBody(kind: RuleKind, body: JsonObject): UserRuleBody {
	const actions = parseActions(body.actions);
	if (kind === "override" || kind === "underride") {
		const conditions = body.conditions ?? [];
		if (!Array.isArray(conditions)) throw bad("'conditions' must be an array");
		return { actions, conditions: conditions.map(parseCondition) };
	}
	if (kind === "content") {
		if (body.pattern === undefined) throw new MatrixError("M_MISSING_PARAM", "Content rules need a 'pattern'");
		if (typeof body.pattern !== "string") throw bad("'pattern' must be a string");
		return { actions, pattern: body.pattern };
	}
	return { actions };
}
