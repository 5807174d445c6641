// Evaluating a user's push rules against an event: the first enabled rule that matches, in kind order
// (override, content, room, sender, underride), decides the actions.
// Spec: https://spec.matrix.org/latest/client-server-api/#push-rules and #conditions-1

import type { JsonValue } from "../events/pdu";
import { MEMBER_COUNT_IS } from "./validate-rule";
import { globMatchesWhole, globMatchesWords, textMatchesWords, valueAtPath } from "./property-path";
import { type PushAction, type PushCondition, type PushRule, RULE_KINDS, type Ruleset } from "./types";

/** An event as push rules see it (the client-format event: type, content, sender, state_key, ...). */
export type PushEvent = Readonly<Record<string, JsonValue | undefined>> & { type: string; sender: string };

/** What conditions need beyond the event, supplied by the caller (who knows the room). */
export interface PushContext {
	/** The user whose rules these are. */
	userId: string;
	roomId: string;
	/** The user's display name in the room, for contains_display_name. */
	displayName: string | null;
	/** Joined members of the room, for room_member_count. */
	memberCount: number;
	/** The sender's power level and the level the power levels' `notifications[key]` requires (default 50). */
	senderPowerLevel: number;
	notificationLevel: (key: string) => number;
}

function isNonCompound(v: JsonValue | undefined): v is string | number | boolean | null {
	return typeof v === "string" || typeof v === "boolean" || v === null || typeof v === "number";
}

function memberCountMatches(is: string, count: number): boolean {
	if (!MEMBER_COUNT_IS.test(is)) return false;
	const m = /^(==|<=|>=|<|>)?(\d+)$/.exec(is)!;
	const n = Number(m[2]);
	switch (m[1]) {
		case "<":
			return count < n;
		case ">":
			return count > n;
		case "<=":
			return count <= n;
		case ">=":
			return count >= n;
		default:
			return count === n;
	}
}

/** One condition. Unknown kinds never match ("effectively making the push rule disabled"). */
export function conditionMatches(c: PushCondition, event: PushEvent, ctx: PushContext): boolean {
	switch (c.kind) {
		case "event_match": {
			if (typeof c.key !== "string" || typeof c.pattern !== "string") return false;
			const value = valueAtPath(event, c.key);
			if (typeof value !== "string") return false;
			return c.key === "content.body" ? globMatchesWords(c.pattern, value) : globMatchesWhole(c.pattern, value);
		}
		case "event_property_is": {
			if (typeof c.key !== "string" || !isNonCompound(c.value)) return false;
			const value = valueAtPath(event, c.key);
			return isNonCompound(value) && value === c.value;
		}
		case "event_property_contains": {
			if (typeof c.key !== "string" || !isNonCompound(c.value)) return false;
			const value = valueAtPath(event, c.key);
			return Array.isArray(value) && value.some((v) => isNonCompound(v) && v === c.value);
		}
		case "contains_display_name": {
			const body = valueAtPath(event, "content.body");
			if (typeof body !== "string" || ctx.displayName === null || ctx.displayName === "") return false;
			// The display name is literal text, not a glob.
			return textMatchesWords(ctx.displayName, body);
		}
		case "room_member_count":
			return typeof c.is === "string" && memberCountMatches(c.is, ctx.memberCount);
		case "sender_notification_permission":
			return typeof c.key === "string" && ctx.senderPowerLevel >= ctx.notificationLevel(c.key);
		default:
			return false;
	}
}

function ruleMatches(kind: (typeof RULE_KINDS)[number], rule: PushRule, event: PushEvent, ctx: PushContext): boolean {
	if (!rule.enabled) return false;
	switch (kind) {
		case "override":
		case "underride":
			return (rule.conditions ?? []).every((c) => conditionMatches(c, event, ctx));
		case "content": {
			const body = valueAtPath(event, "content.body");
			return typeof rule.pattern === "string" && typeof body === "string" && globMatchesWords(rule.pattern, body);
		}
		case "room":
			return rule.rule_id === ctx.roomId;
		case "sender":
			return rule.rule_id === event.sender;
	}
}

/**
 * The actions of the first matching rule, or null when none matches (then the user is not notified).
 * The user's own events never notify them.
 */
export function evaluatePushRules(ruleset: Ruleset, event: PushEvent, ctx: PushContext): { rule_id: string; actions: PushAction[] } | null {
	if (event.sender === ctx.userId) return null;
	for (const kind of RULE_KINDS) {
		for (const rule of ruleset[kind]) {
			if (ruleMatches(kind, rule, event, ctx)) return { rule_id: rule.rule_id, actions: rule.actions };
		}
	}
	return null;
}

/** Whether the actions notify, and whether they highlight (a highlight tweak without value means true). */
export function notificationOf(actions: readonly PushAction[]): { notify: boolean; highlight: boolean } {
	let highlight = false;
	for (const a of actions) {
		if (typeof a === "object" && a.set_tweak === "highlight") highlight = a.value === undefined ? true : a.value === true;
	}
	return { notify: actions.includes("notify"), highlight };
}
