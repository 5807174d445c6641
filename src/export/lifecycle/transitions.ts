// The order lifecycle as data: every status and the only moves between them (LAWFUL_ACCESS.md "Lifecycle").
// Pure: no storage, no clock. `state-machine.ts` is the one shell that applies a transition.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle

import type { OrderStatus } from "../order/types";

export type { OrderStatus };

export const ORDER_STATUSES: readonly OrderStatus[] = [
	"Received",
	"AwaitingApproval",
	"Approved",
	"Producing",
	"AwaitingDisclosure",
	"Disclosed",
	"Closed",
	"Rejected",
	"Cancelled",
	"Expired",
];

/** Statuses an order never leaves: nothing may be produced, disclosed or changed after them. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ["Closed", "Rejected", "Cancelled", "Expired"];

/**
 * Allowed moves. Beyond the design's main line:
 * - Approved → Closed: a preservation-only order (LP tasks, nothing to disclose) closes when its holds end.
 * - Producing → AwaitingApproval is absent on purpose: once data is read, only cancellation stops it.
 * - AwaitingDisclosure → Expired: the package waited its whole TTL and was deleted unretrieved.
 * - Cancelled (a signed update from the issuer) is possible until the package has been handed over.
 */
const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
	Received: ["AwaitingApproval", "Rejected"],
	AwaitingApproval: ["Approved", "Rejected", "Cancelled", "Expired"],
	Approved: ["Producing", "Closed", "Cancelled", "Expired"],
	Producing: ["AwaitingDisclosure", "Cancelled"],
	AwaitingDisclosure: ["Disclosed", "Cancelled", "Expired"],
	Disclosed: ["Closed"],
	Closed: [],
	Rejected: [],
	Cancelled: [],
	Expired: [],
};

export function isOrderStatus(value: unknown): value is OrderStatus {
	return typeof value === "string" && ORDER_STATUSES.some((s) => s === value);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
	return ALLOWED[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
	return TERMINAL_STATUSES.includes(status);
}
