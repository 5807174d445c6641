// Preservation holds (LP tasks): created on approval, renewed once by a signed update, released at expiry
// by the hourly job. A hold only stops purges; it never snapshots anything.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Preservation (LP)")

import type { ScopeTask, Target } from "../order/types";
import { activeHoldCount, expiredHolds, holdsOfOrder, insertHold, releaseHolds, renewHolds } from "../store/holds";
import { getOrderRecord, type OrderRecord } from "../store/order-status";
import { auditOrderEvent, transition } from "./state-machine";

export const DEFAULT_HOLD_MS = 90 * 86_400_000;

/** The local account a target names, if it names one (email/phone/IP targets name no account we hold). */
export function targetUser(target: Target): string | null {
	return target.format === "ServiceAccessIdentifier" || target.format === "MatrixDeviceId" ? target.userId : null;
}

export async function createHolds(env: Pick<Env, "DB" | "AUDIT_LOG">, record: OrderRecord, scope: readonly ScopeTask[], now: number): Promise<string[]> {
	const held: string[] = [];
	for (const task of scope.filter((t) => t.kind === "LP")) {
		const user = targetUser(task.target);
		if (user === null) {
			await auditOrderEvent(env, record, { type: "preservation", action: "hold-created", actor: "system:lifecycle", reason: `${task.ldid}: no account-bound records for a ${task.target.format} target`, result: "ok" }, now);
			continue;
		}
		const expires = task.preservationExpiresAt ?? now + DEFAULT_HOLD_MS;
		if (await insertHold(env.DB, { order_id: record.orderId, ldid: task.ldid, target_user: user, created_ts: now, expires_ts: expires })) {
			await auditOrderEvent(env, record, { type: "preservation", action: "hold-created", actor: "system:lifecycle", reason: `${task.ldid} until ${new Date(expires).toISOString()}` }, now);
		}
		held.push(user);
	}
	return held;
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
