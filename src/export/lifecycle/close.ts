// Closing disclosed orders: once the package is gone (retrieved and deleted) and every user notice has been
// sent, nothing is left to do and the order becomes Closed. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle
// (`Disclosed → Closed`).

import { getDeliveryOfOrder } from "../store/deliveries";
import { noticesOfOrder } from "../store/notices";
import { listOrdersByStatus } from "../store/order-status";
import { transition } from "./state-machine";

export async function closeFinishedOrders(env: Pick<Env, "DB" | "AUDIT_LOG">, now: number): Promise<number> {
	let closed = 0;
	for (const record of await listOrdersByStatus(env.DB, ["Disclosed"])) {
		const delivery = await getDeliveryOfOrder(env.DB, record.orderId);
		if (delivery !== null && delivery.deleted_ts === null) continue;
		if ((await noticesOfOrder(env.DB, record.orderId)).some((n) => n.sent_ts === null)) continue;
		await transition(env, record.orderId, ["Disclosed"], "Closed", { type: "order", action: "closed", actor: "system:lifecycle", reason: "package deleted and every notice sent" }, now);
		closed++;
	}
	return closed;
}
