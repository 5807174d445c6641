// All SQL for push rules in the UserDO (`push_rules` table): the user's own rules, and their changes to
// server-default rules (rows whose rule_id starts with "."; their rule_json holds only `actions`).
// Spec: https://spec.matrix.org/latest/client-server-api/#push-rules

import type { DefaultRuleOverride, RuleKind, StoredUserRule, UserRuleBody } from "../../../protocol/push";
import { isServerDefaultRuleId } from "../../../protocol/push";

type RuleRow = { kind: RuleKind; rule_id: string; priority: number; rule_json: string; enabled: number };

export class PushRulesStore {
	constructor(private readonly sql: SqlStorage) {}

	private rows(): RuleRow[] {
		// Higher priority = more important; rule_id breaks ties so the order is stable.
		return this.sql.exec<RuleRow>("SELECT kind, rule_id, priority, rule_json, enabled FROM push_rules ORDER BY kind, priority DESC, rule_id").toArray();
	}

	/** The user's own rules, most important first within each kind. */
	userRules(): StoredUserRule[] {
		return this.rows()
			.filter((r) => !isServerDefaultRuleId(r.rule_id))
			.map((r) => ({ kind: r.kind, rule_id: r.rule_id, enabled: r.enabled === 1, body: JSON.parse(r.rule_json) as UserRuleBody }));
	}

	/** The user's changes to server-default rules. */
	defaultOverrides(): DefaultRuleOverride[] {
		return this.rows()
			.filter((r) => isServerDefaultRuleId(r.rule_id))
			.map((r) => ({ kind: r.kind, rule_id: r.rule_id, enabled: r.enabled === 1, actions: (JSON.parse(r.rule_json) as UserRuleBody).actions }));
	}

	/** The IDs of the user's own rules of `kind`, most important first. */
	userOrder(kind: RuleKind): string[] {
		return this.userRules()
			.filter((r) => r.kind === kind)
			.map((r) => r.rule_id);
	}

	/** Inserts or replaces a user rule's body; a new row starts enabled (spec: "MUST be enabled by default"). */
	upsertUserRule(kind: RuleKind, ruleId: string, body: UserRuleBody): void {
		this.sql.exec(
			`INSERT INTO push_rules (kind, rule_id, priority, rule_json, enabled) VALUES (?, ?, 0, ?, 1)
			ON CONFLICT (kind, rule_id) DO UPDATE SET rule_json = excluded.rule_json`,
			kind,
			ruleId,
			JSON.stringify(body),
		);
	}

	/** Rewrites the priorities of a kind's user rules to match `order` (most important first). */
	setOrder(kind: RuleKind, order: readonly string[]): void {
		order.forEach((ruleId, i) => {
			this.sql.exec("UPDATE push_rules SET priority = ? WHERE kind = ? AND rule_id = ?", order.length - i, kind, ruleId);
		});
	}

	/** Deletes a user rule; true if it existed. */
	deleteRule(kind: RuleKind, ruleId: string): boolean {
		return this.sql.exec("DELETE FROM push_rules WHERE kind = ? AND rule_id = ? RETURNING 1", kind, ruleId).toArray().length > 0;
	}

	/** Records the full current state (enabled, actions) of a server-default rule the user changed. */
	upsertDefaultOverride(o: DefaultRuleOverride): void {
		this.sql.exec(
			`INSERT INTO push_rules (kind, rule_id, priority, rule_json, enabled) VALUES (?, ?, 0, ?, ?)
			ON CONFLICT (kind, rule_id) DO UPDATE SET rule_json = excluded.rule_json, enabled = excluded.enabled`,
			o.kind,
			o.rule_id,
			JSON.stringify({ actions: o.actions }),
			o.enabled ? 1 : 0,
		);
	}

	setUserRuleEnabled(kind: RuleKind, ruleId: string, enabled: boolean): void {
		this.sql.exec("UPDATE push_rules SET enabled = ? WHERE kind = ? AND rule_id = ?", enabled ? 1 : 0, kind, ruleId);
	}

	setUserRuleActions(kind: RuleKind, ruleId: string, body: UserRuleBody): void {
		this.sql.exec("UPDATE push_rules SET rule_json = ? WHERE kind = ? AND rule_id = ?", JSON.stringify(body), kind, ruleId);
	}
}
