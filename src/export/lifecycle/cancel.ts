// Cancellation: by the issuer's signed update, or when an emergency approval is overturned on review.
// Whatever was produced and not yet handed over is deleted; holds end. Design:
// /work/shared/LAWFUL_ACCESS.md#lifecycle ("Cancelled (a signed update from the issuer)")

import type { OrderStatus } from "../order/types";
import { releaseOrderHolds } from "./holds";
import { deletePackage } from "./delivery";
import { transition } from "./state-machine";
import { getDeliveryOfOrder } from "../store/deliveries";

const CANCELLABLE: readonly OrderStatus[] = ["Received", "AwaitingApproval", "Approved", "Producing", "AwaitingDisclosure"];

export async function cancelOrder(env: Pick<Env, "DB" | "AUDIT_LOG" | "EVIDENCE">, orderId: string, actor: string, reason: string, now: number): Promise<OrderStatus> {
	const cancelled = await transition(env, orderId, CANCELLABLE, "Cancelled", { type: "order", action: "cancelled", actor, reason }, now);
	const delivery = await getDeliveryOfOrder(env.DB, orderId);
	if (delivery !== null && delivery.deleted_ts === null) await deletePackage(env, delivery, "cancelled", now);
	await releaseOrderHolds(env, cancelled, "order cancelled", now);
	return cancelled.status;
}
