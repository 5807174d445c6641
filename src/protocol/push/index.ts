// Push rules as pure data and rules: the predefined rules, validation and ruleset assembly.
// Spec: https://spec.matrix.org/latest/client-server-api/#push-rules

export { isServerDefaultRuleId, MASTER_RULE_ID, predefinedRules } from "./predefined-rules";
export { buildRuleset, type DefaultRuleOverride, findPredefinedRule, findRule, placeRule, type StoredUserRule } from "./ruleset";
export { isRuleKind, type PushAction, type PushCondition, type PushRule, RULE_KINDS, type RuleKind, type Ruleset, type UserRuleBody } from "./types";
export { checkUserRuleId, MEMBER_COUNT_IS, parseActions, parseUserRuleBody } from "./validate-rule";
export { conditionMatches, evaluatePushRules, notificationOf, type PushContext, type PushEvent } from "./evaluate";
export { globMatchesWhole, globMatchesWords, splitPropertyPath, valueAtPath } from "./property-path";
export { type CountedEvent, judge, type Judgement, MAIN_THREAD, tallyUnread, parseRulesDigest, pushViewOf, rulesDigest, threadOf, type UnreadCounts, verdictOf } from "./unread";
