// Operator decisions on an order: approve (two distinct operators, or one plus a later review for an
// emergency), reject and narrow, each with a reason, each audited. Design:
// /work/shared/LAWFUL_ACCESS.md#lifecycle ("Approval needs two distinct operators, and each gives a reason").

import { LaError } from "../order/la-errors";
import { insertEmergency, listDecisions, getEmergency, putScope, recordDecision, recordReview } from "../store/approvals";
import { checkReason, checkReviewer, decideApproval, EMERGENCY_FORMAL_MS, EMERGENCY_REVIEW_MS } from "./approval-rules";
import { effectiveScope } from "./effective-scope";
import { afterApproval } from "./after-approval";
import { cancelOrder } from "./cancel";
import { type NarrowRequest, narrowScope, scopeKey } from "./scope";
import { auditOrderEvent, requireOrder, transition } from "./state-machine";
import type { OrderStatus } from "../order/types";

type Bindings = Env;

/** The recorded telephone (or other) call-back that confirmed an emergency request came from the authority. */
export interface CallbackVerification {
	contact: string;
	note: string;
}

export interface ApprovalOutcome {
	status: OrderStatus;
	approvals: number;
	required: number;
}

/** After an emergency approval, until the second operator's review, these statuses can be reviewed. */
const REVIEWABLE: readonly OrderStatus[] = ["Approved", "Producing", "AwaitingDisclosure", "Disclosed", "Closed"];

function requireReason(reason: unknown): string {
	const problem = checkReason(reason);
	if (problem !== null) throw new LaError("LA_BAD_REQUEST", problem, "/reason");
	return (reason as string).trim();
}

export async function approve(env: Bindings, orderId: string, operator: string, reasonIn: unknown, callback: CallbackVerification | null, now: number): Promise<ApprovalOutcome> {
	const reason = requireReason(reasonIn);
	const record = await requireOrder(env, orderId);
	const actor = `operator:${operator}`;
	if (record.order.emergency && REVIEWABLE.includes(record.status)) return review(env, orderId, operator, reason, "upheld", now);
	if (record.status !== "AwaitingApproval") throw new LaError("LA_INVALID_STATE", `the order is ${record.status}; only orders awaiting approval can be approved`);
	const scope = await effectiveScope(env.DB, record);
	const key = scopeKey(scope);
	const approvals = (await listDecisions(env.DB, orderId)).filter((d) => d.decision === "approve").map((d) => ({ operator: d.operator, scopeKey: d.scope_key }));
	const emergency = record.order.emergency;
	const decision = decideApproval(approvals, operator, key, emergency);
	const required = emergency ? 1 : 2;
	const callbackMissing = callback === null || callback.contact.trim() === "" || callback.note.trim() === "";
	if (emergency && decision.kind !== "refused" && callbackMissing) {
		throw new LaError("LA_BAD_REQUEST", "an emergency approval needs the recorded call-back verification (contact and note)", "/callback");
	}
	if (decision.kind === "refused" || !(await recordDecision(env.DB, orderId, { operator, decision: "approve", reason, scope_key: key, created_ts: now }))) {
		await auditOrderEvent(env, record, { type: "approval", action: "approved", actor, reason, result: "LA_SAME_OPERATOR" }, now);
		throw new LaError("LA_SAME_OPERATOR", "this operator has already approved this scope; a second, different operator must approve");
	}
	if (emergency && callback !== null) {
		await insertEmergency(env.DB, { order_id: orderId, callback_contact: callback.contact, callback_note: callback.note, verified_by: operator, verified_ts: now, review_due_ts: now + EMERGENCY_REVIEW_MS, formal_due_ts: now + EMERGENCY_FORMAL_MS });
		await auditOrderEvent(env, record, { type: "approval", action: "callback-verified", actor, reason: `call-back to ${callback.contact}` }, now);
	}
	if (decision.kind === "recorded") {
		await auditOrderEvent(env, record, { type: "approval", action: "approved", actor, reason: `approval ${required - decision.remaining} of ${required}: ${reason}` }, now);
		return { status: record.status, approvals: required - decision.remaining, required };
	}
	// Scope is persisted at approval, so production reads exactly the scope the operators approved.
	await putScope(env.DB, orderId, scope, key, now);
	const approved = await transition(env, orderId, ["AwaitingApproval"], "Approved", { type: "approval", action: "approved", actor, reason: `approval ${required} of ${required}: ${reason}` }, now);
	const status = await afterApproval(env, approved, scope, now);
	return { status, approvals: required, required };
}

export async function reject(env: Bindings, orderId: string, operator: string, reasonIn: unknown, now: number): Promise<OrderStatus> {
	const reason = requireReason(reasonIn);
	const record = await requireOrder(env, orderId);
	if (record.order.emergency && REVIEWABLE.includes(record.status)) return (await review(env, orderId, operator, reason, "overturned", now)).status;
	const key = scopeKey(await effectiveScope(env.DB, record).catch(() => record.order.tasks));
	await recordDecision(env.DB, orderId, { operator, decision: "reject", reason, scope_key: key, created_ts: now });
	return (await transition(env, orderId, ["AwaitingApproval", "Received"], "Rejected", { type: "approval", action: "rejected", actor: `operator:${operator}`, reason }, now)).status;
}

export async function narrow(env: Bindings, orderId: string, operator: string, reasonIn: unknown, request: NarrowRequest, now: number): Promise<string[]> {
	const reason = requireReason(reasonIn);
	const record = await requireOrder(env, orderId);
	if (record.status !== "AwaitingApproval") throw new LaError("LA_INVALID_STATE", `the order is ${record.status}; only orders awaiting approval can be narrowed`);
	const result = narrowScope(await effectiveScope(env.DB, record), request);
	const actor = `operator:${operator}`;
	if (!result.ok) {
		await auditOrderEvent(env, record, { type: "approval", action: "widen-refused", actor, reason: `${reason} (${result.detail})`, result: "LA_SCOPE_WIDENING" }, now);
		throw new LaError("LA_SCOPE_WIDENING", result.detail, result.pointer);
	}
	const key = scopeKey(result.tasks);
	await putScope(env.DB, orderId, result.tasks, key, now);
	await recordDecision(env.DB, orderId, { operator, decision: "narrow", reason, scope_key: key, created_ts: now });
	// Earlier approvals named the wider scope, so they no longer count: both operators approve what remains.
	await auditOrderEvent(env, record, { type: "approval", action: "narrowed", actor, reason: `${reason} (now ${result.tasks.length} task(s))` }, now);
	return result.tasks.map((t) => t.ldid);
}

/** The second operator's review of an emergency approval: upheld, or overturned (which cancels what it can). */
async function review(env: Bindings, orderId: string, reviewer: string, reason: string, outcome: "upheld" | "overturned", now: number): Promise<ApprovalOutcome> {
	const record = await requireOrder(env, orderId);
	const emergency = await getEmergency(env.DB, orderId);
	if (emergency === null || emergency.reviewed_ts !== null) throw new LaError("LA_INVALID_STATE", "there is no emergency review pending for this order");
	const check = checkReviewer([emergency.verified_by], reviewer);
	if (!check.ok) {
		await auditOrderEvent(env, record, { type: "approval", action: "emergency-reviewed", actor: `operator:${reviewer}`, reason, result: "LA_SAME_OPERATOR" }, now);
		throw new LaError("LA_SAME_OPERATOR", check.detail);
	}
	await recordReview(env.DB, orderId, reviewer, outcome, now);
	await recordDecision(env.DB, orderId, { operator: reviewer, decision: "review", reason: `${outcome}: ${reason}`, scope_key: "", created_ts: now });
	const late = now > emergency.review_due_ts ? " (after the 24-hour deadline)" : "";
	await auditOrderEvent(env, record, { type: "approval", action: "emergency-reviewed", actor: `operator:${reviewer}`, reason: `${outcome}${late}: ${reason}` }, now);
	let status = record.status;
	if (outcome === "overturned" && ["Approved", "Producing", "AwaitingDisclosure"].includes(status)) {
		status = await cancelOrder(env, orderId, `operator:${reviewer}`, `emergency approval overturned on review: ${reason}`, now);
	}
	return { status, approvals: 2, required: 2 };
}
