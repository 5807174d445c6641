// The operator queue: what each open order asks for (identifiers, categories, window) and who decided what,
// never any record. Shared by the admin API and the console. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle
// ("Operators see the scope (identifiers, categories, window) and never record contents").

import type { OrderStatus, ScopeTask, Target } from "../order/types";
import { getEmergency, listDecisions } from "../store/approvals";
import { getDeliveryOfOrder } from "../store/deliveries";
import { listOrdersByStatus, type OrderRecord } from "../store/order-status";
import { effectiveScope } from "./effective-scope";

export const OPEN_STATUSES: readonly OrderStatus[] = ["Received", "AwaitingApproval", "Approved", "Producing", "AwaitingDisclosure", "Disclosed"];

export interface ScopeSummary {
	ldid: string;
	kind: "LD" | "LP";
	category: string;
	subtypes: string[];
	identifier: string;
	window: { start: string; end: string } | null;
	preservationUntil: string | null;
}

export interface QueueItem {
	orderId: string;
	status: OrderStatus;
	issuer: string;
	reference: string;
	legalBasis: string;
	jurisdiction: string;
	emergency: boolean;
	receivedAt: string;
	nonDisclosureUntil: string | null;
	scope: ScopeSummary[];
	decisions: { operator: string; decision: string; reason: string; at: string }[];
	emergencyReview: { approvedBy: string; dueAt: string; reviewedBy: string | null; outcome: string | null } | null;
	delivery: { expiresAt: string; retrieved: boolean; deleted: boolean } | null;
}

export function describeTarget(target: Target): string {
	switch (target.format) {
		case "ServiceAccessIdentifier":
			return target.userId;
		case "MatrixDeviceId":
			return `${target.userId}/${target.deviceId}`;
		case "InternationalizedEmailAddress":
		case "IPV4Address":
		case "IPV6Address":
			return target.address;
		case "InternationalE164":
			return target.msisdn;
	}
}

const iso = (ms: number) => new Date(ms).toISOString();

function summarise(t: ScopeTask): ScopeSummary {
	return {
		ldid: t.ldid,
		kind: t.kind,
		category: t.requestType,
		subtypes: t.subtypes,
		identifier: `${t.target.format} ${describeTarget(t.target)}`,
		window: t.window === null ? null : { start: iso(t.window.start), end: iso(t.window.end) },
		preservationUntil: t.preservationExpiresAt === null ? null : iso(t.preservationExpiresAt),
	};
}

export async function queueItem(db: D1Database, record: OrderRecord): Promise<QueueItem> {
	const o = record.order;
	const scope = await effectiveScope(db, record).catch(() => o.tasks);
	const emergency = await getEmergency(db, record.orderId);
	const delivery = await getDeliveryOfOrder(db, record.orderId);
	return {
		orderId: record.orderId,
		status: record.status,
		issuer: o.issuer,
		reference: o.authorisationReference,
		legalBasis: o.legalBasis,
		jurisdiction: o.jurisdiction,
		emergency: o.emergency,
		receivedAt: iso(record.receivedTs),
		nonDisclosureUntil: o.nonDisclosure === null ? null : iso(o.nonDisclosure.until),
		scope: scope.map(summarise),
		decisions: (await listDecisions(db, record.orderId)).map((d) => ({ operator: d.operator, decision: d.decision, reason: d.reason, at: iso(d.created_ts) })),
		emergencyReview: emergency === null ? null : { approvedBy: emergency.verified_by, dueAt: iso(emergency.review_due_ts), reviewedBy: emergency.reviewed_by, outcome: emergency.review_outcome },
		delivery: delivery === null ? null : { expiresAt: iso(delivery.expires_ts), retrieved: delivery.retrieved_ts !== null, deleted: delivery.deleted_ts !== null },
	};
}

export async function operatorQueue(db: D1Database): Promise<QueueItem[]> {
	const records = await listOrdersByStatus(db, OPEN_STATUSES);
	return Promise.all(records.map((r) => queueItem(db, r)));
}
