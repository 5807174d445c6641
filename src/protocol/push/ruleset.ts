// Assembling a user's ruleset from the predefined rules and what the user stored, and placing a rule
// relative to another (`before` / `after`).
// Spec: https://spec.matrix.org/latest/client-server-api/#predefined-rules ("They operate at a lower
// priority than user-defined rules, except for the .m.rule.master rule") and
// https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3pushrulesglobalkindruleid

import { MatrixError } from "../errors";
import { MASTER_RULE_ID, predefinedRules } from "./predefined-rules";
import { type PushAction, type PushRule, RULE_KINDS, type RuleKind, type Ruleset, type UserRuleBody } from "./types";

/** One of the user's own rules, as stored; lists are given most important first. */
export interface StoredUserRule {
	kind: RuleKind;
	rule_id: string;
	enabled: boolean;
	body: UserRuleBody;
}

/** What the user changed on a server-default rule: whether it is enabled, and its actions. */
export interface DefaultRuleOverride {
	kind: RuleKind;
	rule_id: string;
	enabled: boolean;
	actions: PushAction[];
}

function userRule(r: StoredUserRule): PushRule {
	const out: PushRule = { rule_id: r.rule_id, default: false, enabled: r.enabled, actions: r.body.actions };
	if (r.body.conditions !== undefined) out.conditions = r.body.conditions;
	if (r.body.pattern !== undefined) out.pattern = r.body.pattern;
	return out;
}

/**
 * The full ruleset: per kind, the user's rules (in their stored order) before the server defaults,
 * with `.m.rule.master` always first among override rules. Overrides of defaults replace their
 * `enabled` and `actions`.
 */
export function buildRuleset(userId: string, userRules: readonly StoredUserRule[], overrides: readonly DefaultRuleOverride[]): Ruleset {
	const defaults = predefinedRules(userId);
	const changed = new Map(overrides.map((o) => [`${o.kind}\u0000${o.rule_id}`, o]));
	const ruleset = {} as Ruleset;
	for (const kind of RULE_KINDS) {
		const own = userRules.filter((r) => r.kind === kind).map(userRule);
		const server = defaults[kind].map((d) => {
			const o = changed.get(`${kind}\u0000${d.rule_id}`);
			return o === undefined ? d : { ...d, enabled: o.enabled, actions: o.actions };
		});
		const master = server.filter((r) => r.rule_id === MASTER_RULE_ID);
		ruleset[kind] = [...master, ...own, ...server.filter((r) => r.rule_id !== MASTER_RULE_ID)];
	}
	return ruleset;
}

/** The rule of `kind` named `ruleId`, or undefined (→ M_NOT_FOUND). */
export function findRule(ruleset: Ruleset, kind: RuleKind, ruleId: string): PushRule | undefined {
	return ruleset[kind].find((r) => r.rule_id === ruleId);
}

/** The predefined rule of `kind` named `ruleId`, if there is one. */
export function findPredefinedRule(userId: string, kind: RuleKind, ruleId: string): PushRule | undefined {
	return predefinedRules(userId)[kind].find((r) => r.rule_id === ruleId);
}

/**
 * The new order (most important first) of a kind's user rules after putting `ruleId`:
 * with `before`, right above that rule (it wins when both are given, as the spec says); with `after`,
 * right below it; otherwise a new rule goes first and an existing one keeps its place.
 * A `before`/`after` that names no user rule of this kind (server defaults included) → 400 M_UNKNOWN.
 */
export function placeRule(order: readonly string[], ruleId: string, position: { before?: string; after?: string }): string[] {
	const anchor = position.before ?? position.after;
	const exists = order.includes(ruleId);
	if (anchor === undefined) return exists ? [...order] : [ruleId, ...order];
	if (anchor === ruleId || !order.includes(anchor)) {
		throw new MatrixError("M_UNKNOWN", `before/after rule not found: ${anchor}`);
	}
	const rest = order.filter((id) => id !== ruleId);
	const at = rest.indexOf(anchor) + (position.before !== undefined ? 0 : 1);
	return [...rest.slice(0, at), ruleId, ...rest.slice(at)];
}
