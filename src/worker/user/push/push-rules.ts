// Push rules inside the UserDO: reading the ruleset and every change the pushrules API makes, each in
// one storage transaction. Routes validate bodies (src/protocol/push) before calling these.
// Spec: https://spec.matrix.org/latest/client-server-api/#push-rules-api

import type { RpcResult } from "../../../protocol/errors";
import {
	buildRuleset,
	findPredefinedRule,
	findRule,
	isServerDefaultRuleId,
	placeRule,
	type PushAction,
	type PushRule,
	type RuleKind,
	type Ruleset,
	type UserRuleBody,
} from "../../../protocol/push";
import { MatrixError } from "../../../protocol/errors";
import { PushRulesStore } from "./push-rules-store";

const NOT_FOUND = { ok: false, errcode: "M_NOT_FOUND", error: "The push rule was not found." } as const;

/** What the UserDO hands this module: its SQL, a transaction runner and the wake-up for /sync. */
export interface PushRulesHost {
	sql: SqlStorage;
	transaction<T>(fn: () => T): T;
	/** Called after every change: account data (m.push_rules) appears in /sync. */
	changed(): void;
}

export class PushRules {
	private readonly store: PushRulesStore;

	constructor(
		private readonly host: PushRulesHost,
		private readonly userId: () => string | null,
	) {
		this.store = new PushRulesStore(host.sql);
	}

	/** The full ruleset (the `global` scope), or null when this object has no user yet. */
	ruleset(): Ruleset | null {
		const userId = this.userId();
		if (userId === null) return null;
		return buildRuleset(userId, this.store.userRules(), this.store.defaultOverrides());
	}

	getRule(kind: RuleKind, ruleId: string): RpcResult<PushRule> {
		const ruleset = this.ruleset();
		const rule = ruleset === null ? undefined : findRule(ruleset, kind, ruleId);
		return rule === undefined ? NOT_FOUND : { ok: true, value: rule };
	}

	/** Creates or replaces a user rule and places it (`before`/`after`, see placeRule). */
	putRule(kind: RuleKind, ruleId: string, body: UserRuleBody, position: { before?: string; after?: string }): RpcResult<null> {
		return this.write(() => {
			const order = placeRule(this.store.userOrder(kind), ruleId, position);
			this.store.upsertUserRule(kind, ruleId, body);
			this.store.setOrder(kind, order);
		});
	}

	/** Deletes a user rule. Predefined rules cannot be deleted (400 M_INVALID_PARAM; disable them instead). */
	deleteRule(kind: RuleKind, ruleId: string): RpcResult<null> {
		if (isServerDefaultRuleId(ruleId)) {
			if (this.predefined(kind, ruleId) === undefined) return NOT_FOUND;
			return { ok: false, errcode: "M_INVALID_PARAM", error: "Server-default push rules cannot be deleted" };
		}
		return this.write(() => {
			if (!this.store.deleteRule(kind, ruleId)) throw notFound();
		});
	}

	setEnabled(kind: RuleKind, ruleId: string, enabled: boolean): RpcResult<null> {
		return this.write(() => {
			const current = this.current(kind, ruleId);
			if (current.default) this.store.upsertDefaultOverride({ kind, rule_id: ruleId, enabled, actions: current.actions });
			else this.store.setUserRuleEnabled(kind, ruleId, enabled);
		});
	}

	/** Replaces a rule's actions; the spec allows this on server-default rules too. */
	setActions(kind: RuleKind, ruleId: string, actions: PushAction[]): RpcResult<null> {
		return this.write(() => {
			const current = this.current(kind, ruleId);
			if (current.default) {
				this.store.upsertDefaultOverride({ kind, rule_id: ruleId, enabled: current.enabled, actions });
			} else {
				const body: UserRuleBody = { actions };
				if (current.conditions !== undefined) body.conditions = current.conditions;
				if (current.pattern !== undefined) body.pattern = current.pattern;
				this.store.setUserRuleActions(kind, ruleId, body);
			}
		});
	}

	private predefined(kind: RuleKind, ruleId: string): PushRule | undefined {
		const userId = this.userId();
		return userId === null ? undefined : findPredefinedRule(userId, kind, ruleId);
	}

	/** The rule as it stands now, or a thrown M_NOT_FOUND (caught by write). */
	private current(kind: RuleKind, ruleId: string): PushRule {
		const rule = this.getRule(kind, ruleId);
		if (!rule.ok) throw notFound();
		return rule.value;
	}

	/** Runs `fn` in one transaction; a MatrixError thrown inside rolls it back and becomes the RPC error. */
	private write(fn: () => void): RpcResult<null> {
		try {
			this.host.transaction(fn);
		} catch (e) {
			if (e instanceof MatrixError) return { ok: false, errcode: e.errcode, error: e.message };
			throw e;
		}
		this.host.changed();
		return { ok: true, value: null };
	}
}

function notFound(): MatrixError {
	return new MatrixError(NOT_FOUND.errcode, NOT_FOUND.error);
}
