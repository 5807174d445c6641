// The shapes of push rules, conditions and actions as they appear on the wire.
// Spec: https://spec.matrix.org/latest/client-server-api/#push-rules

import type { JsonObject, JsonValue } from "../events/pdu";

/** The kinds, in the order a server checks them. */
export const RULE_KINDS = ["override", "content", "room", "sender", "underride"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export function isRuleKind(s: string): s is RuleKind {
	return (RULE_KINDS as readonly string[]).includes(s);
}

/** `"notify"`, or `{ "set_tweak": name, "value"?: v }` (and any other object a client and gateway agree on). */
export type PushAction = string | JsonObject;

/** A condition as the client gave it; unknown kinds are kept (they simply never match). */
export interface PushCondition {
	kind: string;
	key?: string;
	pattern?: string;
	is?: string;
	value?: string | number | boolean | null;
	[extra: string]: JsonValue | undefined;
}

/** A rule as GET /pushrules answers it: `conditions` only on override/underride, `pattern` only on content. */
export interface PushRule {
	rule_id: string;
	default: boolean;
	enabled: boolean;
	actions: PushAction[];
	conditions?: PushCondition[];
	pattern?: string;
}

export type Ruleset = Record<RuleKind, PushRule[]>;

/** What a user stored for one of their own rules (everything but id, default and enabled). */
export interface UserRuleBody {
	actions: PushAction[];
	conditions?: PushCondition[];
	pattern?: string;
}
