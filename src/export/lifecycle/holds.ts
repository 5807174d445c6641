// Preservation holds (LP tasks): created on approval, renewed once by a signed update, released at expiry
// by the hourly job. A hold only stops purges (and deactivation erasure) of the accounts it names; it never
// snapshots any data — only which accounts an IP or e-mail/phone target identified when it was created.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Preservation (LP)")

import type { ScopeTask, Target } from "../order/types";
import { accountsOfTarget, isAccountTarget } from "../collect/resolve-targets";
import { accountsOfHold, activeHoldCount, expiredHolds, holdsOfOrder, insertHold, releaseHolds, renewHolds } from "../store/holds";
import { getOrderRecord, type OrderRecord } from "../store/order-status";
import { auditOrderEvent, transition } from "./state-machine";

export const DEFAULT_HOLD_MS = 90 * 86_400_000;

/** The local account a target names, if it names one (email/phone/IP targets are resolved, see createHolds). */
export function targetUser(target: Target): string | null {
	return isAccountTarget(target) ? target.userId : null;
}

/**
 * One hold per LP task, naming the accounts its target identifies at this moment: the named account, or every
 * account an IP (around observedTime) or e-mail/phone target resolves to, through the same resolution as the
 * LD collection (collect/resolve-targets.ts). A snapshot: whoever uses the address or gets the 3PID later is
 * not held. The hold exists even when nothing matched, so renewal, expiry and closing answer the same either
 * way (existence-oracle rule). Returns every account held.
 */
export async function createHolds(env: Pick<Env, "DB" | "AUDIT_LOG">, record: OrderRecord, scope: readonly ScopeTask[], now: number): Promise<string[]> {
	const held = new Set<string>();
	for (const task of scope.filter((t) => t.kind === "LP")) {
		const users = await accountsOfTarget(env.DB, task.target);
		const expires = task.preservationExpiresAt ?? now + DEFAULT_HOLD_MS;
		if (await insertHold(env.DB, { order_id: record.orderId, ldid: task.ldid, created_ts: now, expires_ts: expires }, users)) {
			// The operators' log says how many accounts a resolved target held, never which.
			const resolved = isAccountTarget(task.target) ? "" : `; ${users.length} account(s) the ${task.target.format} target resolved to`;
			await auditOrderEvent(env, record, { type: "preservation", action: "hold-created", actor: "system:lifecycle", reason: `${task.ldid} until ${new Date(expires).toISOString()}${resolved}` }, now);
		}
		for (const user of await accountsOfHold(env.DB, record.orderId, task.ldid)) held.add(user);
	}
	return [...held];
}

/** One renewal per hold: a new expiry, at most 90 days past now. False when nothing could be renewed. */
export async function renewOrderHolds(env: Pick<Env, "DB" | "AUDIT_LOG">, record: OrderRecord, requestedExpiry: number | null, actor: string, now: number): Promise<boolean> {
	const holds = (await holdsOfOrder(env.DB, record.orderId)).filter((h) => h.released_ts === null);
	if (holds.length === 0 || holds.every((h) => h.renewals > 0)) return false;
	const latest = Math.max(...holds.map((h) => h.expires_ts));
	const expiry = Math.min(requestedExpiry ?? latest + DEFAULT_HOLD_MS, now + DEFAULT_HOLD_MS);
	if (expiry <= latest) return false;
	await renewHolds(env.DB, record.orderId, expiry);
	await auditOrderEvent(env, record, { type: "preservation", action: "hold-renewed", actor, reason: `until ${new Date(expiry).toISOString()}` }, now);
	return true;
}

export async function releaseOrderHolds(env: Pick<Env, "DB" | "AUDIT_LOG">, record: OrderRecord, reason: string, now: number): Promise<void> {
	if ((await releaseHolds(env.DB, record.orderId, now)) > 0) {
		await auditOrderEvent(env, record, { type: "preservation", action: "hold-released", actor: "system:lifecycle", reason }, now);
	}
}

/** The hourly job: release expired holds; a preservation-only order whose holds all ended is closed. */
export async function releaseExpiredHolds(env: Pick<Env, "DB" | "AUDIT_LOG">, now: number): Promise<number> {
	const expired = await expiredHolds(env.DB, now);
	for (const hold of expired) {
		const record = await getOrderRecord(env.DB, hold.order_id);
		await releaseHolds(env.DB, hold.order_id, now, hold.ldid);
		if (record === null) continue;
		await auditOrderEvent(env, record, { type: "preservation", action: "hold-released", actor: "system:retention", reason: `${hold.ldid} expired` }, now);
		const onlyPreservation = record.order.tasks.every((t) => t.kind === "LP");
		if (onlyPreservation && record.status === "Approved" && (await activeHoldCount(env.DB, record.orderId)) === 0) {
			await transition(env, record.orderId, ["Approved"], "Closed", { type: "order", action: "closed", actor: "system:retention", reason: "every preservation hold has ended" }, now);
		}
	}
	return expired.length;
}
