// The scope an order may be produced for right now: the operators' narrowed scope if any, else the
// validated order's tasks; an emergency order is clamped to the emergency rules either way.
// The package/job part reads this (never the raw order) so narrowing always takes effect.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle

import { LaError } from "../order/la-errors";
import type { ScopeTask } from "../order/types";
import { getScope } from "../store/approvals";
import type { OrderRecord } from "../store/order-status";
import { emergencyScope } from "./approval-rules";

export async function effectiveScope(db: D1Database, record: OrderRecord): Promise<ScopeTask[]> {
	const tasks = (await getScope(db, record.orderId)) ?? record.order.tasks;
	if (!record.order.emergency) return tasks;
	const clamped = emergencyScope(tasks, record.receivedTs);
	if (!clamped.ok) throw new LaError("LA_CATEGORY_NOT_PERMITTED", clamped.detail, clamped.pointer);
	return clamped.tasks;
}
