// Reading an order row for the lifecycle and the one compare-and-set of its status.
// The table is the order part's (migrations/0009_lawful_orders.sql); only lifecycle/state-machine.ts calls
// setStatus. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle

import type { OrderStatus, ValidatedOrder } from "../order/types";
import { isOrderStatus } from "../lifecycle/transitions";

export interface OrderRecord {
	orderId: string;
	status: OrderStatus;
	orderSha256: string;
	receivedTs: number;
	updatedTs: number;
	order: ValidatedOrder;
}

type Row = { order_id: string; status: string; order_sha256: string; received_ts: number; updated_ts: number; validated_json: string };

export async function getOrderRecord(db: D1Database, orderId: string): Promise<OrderRecord | null> {
	const row = await db
		.prepare("SELECT order_id, status, order_sha256, received_ts, updated_ts, validated_json FROM lawful_orders WHERE order_id = ?1")
		.bind(orderId)
		.first<Row>();
	if (row === null || !isOrderStatus(row.status)) return null;
	return {
		orderId: row.order_id,
		status: row.status,
		orderSha256: row.order_sha256,
		receivedTs: row.received_ts,
		updatedTs: row.updated_ts,
		order: JSON.parse(row.validated_json) as ValidatedOrder,
	};
}

/** Orders in any of `statuses`, oldest first (the operator queue, the expiry job). */
export async function listOrdersByStatus(db: D1Database, statuses: readonly OrderStatus[], limit = 200): Promise<OrderRecord[]> {
	if (statuses.length === 0) return [];
	const marks = statuses.map((_, i) => `?${i + 1}`).join(", ");
	const { results } = await db
		.prepare(`SELECT order_id, status, order_sha256, received_ts, updated_ts, validated_json FROM lawful_orders WHERE status IN (${marks}) ORDER BY received_ts LIMIT ${Math.floor(limit)}`)
		.bind(...statuses)
		.all<Row>();
	return results.flatMap((row) =>
		isOrderStatus(row.status)
			? [{ orderId: row.order_id, status: row.status, orderSha256: row.order_sha256, receivedTs: row.received_ts, updatedTs: row.updated_ts, order: JSON.parse(row.validated_json) as ValidatedOrder }]
			: [],
	);
}

/** Compare-and-set: true only if the order was still in `from`, so two concurrent moves cannot both win. */
export async function setStatus(db: D1Database, orderId: string, from: OrderStatus, to: OrderStatus, now: number): Promise<boolean> {
	const result = await db
		.prepare("UPDATE lawful_orders SET status = ?1, updated_ts = ?2 WHERE order_id = ?3 AND status = ?4")
		.bind(to, now, orderId, from)
		.run();
	return result.meta.changes === 1;
}
