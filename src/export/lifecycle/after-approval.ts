// What the final approval sets going: preservation holds and their notices at once, then production of
// the disclosure tasks. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle

import type { OrderStatus, ScopeTask } from "../order/types";
import type { OrderRecord } from "../store/order-status";
import { startProduction } from "../job/start";
import { requireOrder } from "./state-machine";
import { createHolds } from "./holds";
import { scheduleNotices } from "./notices";

export async function afterApproval(env: Env, record: OrderRecord, scope: readonly ScopeTask[], now: number): Promise<OrderStatus> {
	if (scope.some((t) => t.kind === "LP")) {
		// Accounts an IP or e-mail/phone target resolved to are told as a named target is.
		const held = await createHolds(env, record, scope, now);
		await scheduleNotices(env, record, scope, "preservation", now, held);
	}
	if (!scope.some((t) => t.kind === "LD")) return record.status;
	// The queued job (src/export/job) freezes the approved scope and moves the order to Producing.
	await startProduction(env, record.orderId, now);
	return (await requireOrder(env, record.orderId)).status;
}
