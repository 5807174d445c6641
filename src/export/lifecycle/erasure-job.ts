// Deactivation erasure that preservation holds suspended: an account deactivated with `erase: true` while a
// hold named it kept its profile and a pending-erasure row (platform/deactivation-erasure.ts). Each hourly run
// carries out the erasures of accounts no hold names any more (the same code as at deactivation) and audits
// how many it erased, and how many holds still suspend — counts only, never which accounts or what was erased.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Preservation (LP)": holds suspend "deactivation erasure").

import { carryOutErasures, suspendedErasures } from "../../platform/deactivation-erasure";
import { appendAudit } from "../audit/append";

export interface ErasureRun {
	/** Accounts whose suspended erasure was carried out. */
	erased: number;
	/** Accounts whose erasure a hold still suspends. */
	suspended: number;
}

export async function carryOutSuspendedErasures(env: Env, now: number): Promise<ErasureRun> {
	const run: ErasureRun = { erased: await carryOutErasures(env.DB, null, now), suspended: await suspendedErasures(env.DB, now) };
	const audit = (action: "erasure-completed" | "purge-suspended", reason: string) =>
		appendAudit(env, { type: "preservation", action, orderId: null, orderSha256: null, actor: "system:retention", reason, legalProvision: null, issuer: null, result: "ok" }, now);
	if (run.erased > 0) await audit("erasure-completed", `deactivation erasure carried out for ${run.erased} account(s) whose hold has ended`);
	if (run.suspended > 0) await audit("purge-suspended", `deactivation erasure deferred for ${run.suspended} held account(s)`);
	return run;
}
