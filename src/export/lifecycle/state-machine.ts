// The only code that changes an order's status: checks the move against the transition table, applies it
// as a compare-and-set, and audits it before anyone is answered. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle
// (states; "Every step is in a tamper-evident audit log").

import { appendAudit, type AuditAction, type AuditType } from "../audit/append";
import { LaError } from "../order/la-errors";
import type { OrderStatus } from "../order/types";
import { getOrderRecord, type OrderRecord, setStatus } from "../store/order-status";
import { canTransition } from "./transitions";

export interface TransitionAudit {
	type: AuditType;
	action: AuditAction;
	/** `operator:<mxid>`, `authority:<id>/<kid>` or `system:<job>`. */
	actor: string;
	reason: string | null;
	packageSha256?: string;
}

type Bindings = Pick<Env, "DB" | "AUDIT_LOG">;

/** The order, or LA_NOT_FOUND. */
export async function requireOrder(env: Pick<Env, "DB">, orderId: string): Promise<OrderRecord> {
	const record = await getOrderRecord(env.DB, orderId);
	if (record === null) throw new LaError("LA_NOT_FOUND", "no such order");
	return record;
}

/**
 * Moves `orderId` from one of `from` to `to`. LA_INVALID_STATE when the order is elsewhere, the table forbids
 * the move, or another request moved it first. If the audit log refuses the entry the move is undone, so the
 * log never misses a status the database holds.
 */
export async function transition(env: Bindings, orderId: string, from: readonly OrderStatus[], to: OrderStatus, audit: TransitionAudit, now: number): Promise<OrderRecord> {
	const record = await requireOrder(env, orderId);
	if (!from.includes(record.status) || !canTransition(record.status, to)) {
		throw new LaError("LA_INVALID_STATE", `the order is ${record.status}; it cannot become ${to}`);
	}
	if (!(await setStatus(env.DB, orderId, record.status, to, now))) {
		throw new LaError("LA_INVALID_STATE", "the order changed meanwhile; reload and try again");
	}
	try {
		await appendAudit(
			env,
			{
				type: audit.type,
				action: audit.action,
				orderId,
				orderSha256: record.orderSha256,
				actor: audit.actor,
				reason: audit.reason === null ? `${record.status} -> ${to}` : `${record.status} -> ${to}: ${audit.reason}`,
				legalProvision: record.order.legalBasis,
				issuer: record.order.issuer,
				result: "ok",
				...(audit.packageSha256 === undefined ? {} : { packageSha256: audit.packageSha256 }),
			},
			now,
		);
	} catch (err) {
		await setStatus(env.DB, orderId, to, record.status, now);
		throw err;
	}
	return { ...record, status: to, updatedTs: now };
}

/** Audits something about an order that changes no status (a first approval, a refusal, a hold). */
export async function auditOrderEvent(env: Pick<Env, "AUDIT_LOG">, record: OrderRecord, audit: TransitionAudit & { result?: string }, now: number): Promise<void> {
	await appendAudit(
		env,
		{
			type: audit.type,
			action: audit.action,
			orderId: record.orderId,
			orderSha256: record.orderSha256,
			actor: audit.actor,
			reason: audit.reason,
			legalProvision: record.order.legalBasis,
			issuer: record.order.issuer,
			result: audit.result ?? "ok",
			...(audit.packageSha256 === undefined ? {} : { packageSha256: audit.packageSha256 }),
		},
		now,
	);
}
