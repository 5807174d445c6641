// "Formal process must follow" an emergency disclosure (LAWFUL_ACCESS.md "Lifecycle", Emergency): a later
// non-emergency order from the same authority under the same case reference is recorded as the emergency's
// formal process; if none has arrived EMERGENCY_FORMAL_MS after the emergency approval, the hourly job puts
// that in the audit log once, where operators and auditors (and the transparency report's source) see it.

import { appendAudit } from "../audit/append";
import type { ValidatedOrder } from "../order/types";
import { linkFormalOrder, markFormalOverdueReported, overdueFormalProcess } from "../store/approvals";
import { getOrderRecord } from "../store/order-status";
import { auditOrderEvent } from "./state-machine";

/** After a non-emergency order is stored: link it to the emergencies it formalises, audited on each. */
export async function recordFormalProcess(env: Pick<Env, "DB" | "AUDIT_LOG">, order: ValidatedOrder, orderId: string, now: number): Promise<void> {
	if (order.emergency) return;
	for (const emergencyId of await linkFormalOrder(env.DB, order.issuer, order.authorisationReference, orderId)) {
		const record = await getOrderRecord(env.DB, emergencyId);
		if (record === null) continue;
		await auditOrderEvent(env, record, { type: "approval", action: "formal-process-received", actor: "system:lifecycle", reason: `order ${orderId} under ${order.authorisationReference}` }, now);
	}
}

/** The hourly step: emergencies still without formal process past their due time, audited once each. */
export async function reportOverdueFormalProcess(env: Pick<Env, "DB" | "AUDIT_LOG">, now: number): Promise<number> {
	const overdue = await overdueFormalProcess(env.DB, now);
	for (const e of overdue) {
		const record = await getOrderRecord(env.DB, e.order_id);
		const reason = `no formal (non-emergency) order under the same case reference by ${new Date(e.formal_due_ts ?? now).toISOString()}`;
		if (record !== null) await auditOrderEvent(env, record, { type: "approval", action: "formal-process-overdue", actor: "system:lifecycle", reason, result: "LA_APPROVAL_MISSING" }, now);
		else await appendAudit(env, { type: "approval", action: "formal-process-overdue", orderId: e.order_id, orderSha256: null, actor: "system:lifecycle", reason, legalProvision: null, issuer: null, result: "LA_APPROVAL_MISSING" }, now);
		await markFormalOverdueReported(env.DB, e.order_id, now);
	}
	return overdue.length;
}
