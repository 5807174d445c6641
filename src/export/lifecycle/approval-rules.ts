// The two-person rule and the emergency path as pure decisions over the recorded approvals.
// Pure: no storage, no clock (now comes in). Design: /work/shared/LAWFUL_ACCESS.md#lifecycle
// ("two distinct operators, and each gives a reason"; "Emergency: ... One operator approves, a second
// reviews within 24 hours").

import type { ScopeTask } from "../order/types";

export const EMERGENCY_WINDOW_MS = 72 * 3600_000;
export const EMERGENCY_REVIEW_MS = 24 * 3600_000;
/**
 * "Formal process must follow": a non-emergency order under the same case reference is expected this long after
 * the emergency approval (96 hours, the ex-post validation period of the EU e-Evidence Regulation).
 */
export const EMERGENCY_FORMAL_MS = 96 * 3600_000;
/** Reasons are for the record: a bare "ok" tells an auditor nothing, so a short sentence is the floor. */
export const MIN_REASON_LENGTH = 3;
export const MAX_REASON_LENGTH = 2000;

export interface RecordedApproval {
	operator: string;
	/** The scope the operator saw; an approval of a since-narrowed scope no longer counts. */
	scopeKey: string;
}

export type ApprovalDecision =
	| { kind: "recorded"; remaining: number }
	| { kind: "approved" }
	| { kind: "refused"; code: "LA_SAME_OPERATOR"; detail: string };

/** What one more approval by `operator` means for an order awaiting approval. */
export function decideApproval(existing: readonly RecordedApproval[], operator: string, scopeKey: string, emergency: boolean): ApprovalDecision {
	const current = existing.filter((a) => a.scopeKey === scopeKey);
	if (current.some((a) => a.operator === operator)) {
		return { kind: "refused", code: "LA_SAME_OPERATOR", detail: "this operator has already approved this scope; a second, different operator must approve" };
	}
	const needed = emergency ? 1 : 2;
	const distinct = new Set([...current.map((a) => a.operator), operator]).size;
	return distinct >= needed ? { kind: "approved" } : { kind: "recorded", remaining: needed - distinct };
}

/** An emergency review must come from someone other than the approver. */
export function checkReviewer(approvers: readonly string[], reviewer: string): { ok: true } | { ok: false; detail: string } {
	return approvers.includes(reviewer) ? { ok: false, detail: "the emergency review must be by a second operator, not the approver" } : { ok: true };
}

export function checkReason(reason: unknown): string | null {
	if (typeof reason !== "string") return "a reason is required";
	const trimmed = reason.trim();
	if (trimmed.length < MIN_REASON_LENGTH) return "a reason is required";
	if (trimmed.length > MAX_REASON_LENGTH) return `the reason is longer than ${MAX_REASON_LENGTH} characters`;
	return null;
}

const EMERGENCY_TYPES = new Set(["SubscriberData", "UserIdentifyingData"]);

/**
 * The emergency scope: subscriber data and sessions of the last 72 hours before receipt, nothing else.
 * Disclosure tasks of other categories are refused, not silently dropped, so the authority learns it must
 * use formal process; preservation tasks stay, since a hold discloses nothing. Every window is clamped.
 */
export function emergencyScope(tasks: readonly ScopeTask[], receivedTs: number): { ok: true; tasks: ScopeTask[] } | { ok: false; detail: string; pointer: string } {
	const from = receivedTs - EMERGENCY_WINDOW_MS;
	const out: ScopeTask[] = [];
	for (const [i, task] of tasks.entries()) {
		if (task.kind === "LP") {
			out.push(task);
			continue;
		}
		if (!EMERGENCY_TYPES.has(task.requestType)) {
			return { ok: false, detail: `an emergency order may ask only for subscriber data and sessions, not ${task.requestType}`, pointer: `/tasks/${i}/requestDetails/type` };
		}
		const start = Math.max(task.window?.start ?? from, from);
		const end = Math.min(task.window?.end ?? receivedTs, receivedTs);
		if (start >= end) return { ok: false, detail: "the emergency window lies outside the last 72 hours", pointer: `/tasks/${i}/requestDetails/startTime` };
		out.push({ ...task, window: { start, end } });
	}
	return { ok: true, tasks: out };
}
