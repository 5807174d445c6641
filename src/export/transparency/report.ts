// The half-yearly transparency report, derived from the audit log alone (counts, never identifiers).
// Pure: the period, the period's entries and the generation time are arguments.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Transparency report".

import type { AuditEntry } from "../audit/entry";

export interface Period {
	name: string;
	/** ms since the epoch, inclusive. */
	start: number;
	/** ms since the epoch, exclusive. */
	end: number;
}

/** "2026-H2" → 1 July 2026 00:00 UTC up to 1 January 2027; null for anything else. */
export function parsePeriod(name: string): Period | null {
	const m = /^(\d{4})-H([12])$/.exec(name);
	if (!m) return null;
	const year = Number(m[1]);
	const half = Number(m[2]);
	return { name, start: Date.UTC(year, half === 1 ? 0 : 6, 1), end: half === 1 ? Date.UTC(year, 6, 1) : Date.UTC(year + 1, 0, 1) };
}

export interface TransparencyReport {
	type: "sealbridge-transparency-report";
	server: string;
	period: string;
	periodStart: string;
	periodEnd: string;
	/** False while the half-year is still running: the numbers may grow. */
	complete: boolean;
	generatedAt: string;
	requests: number;
	accountsSpecified: number;
	accepted: number;
	/** Orders with a produced package ÷ accepted orders, in percent (one decimal); 0 when none accepted. */
	producedPercent: number;
	rejectedByCode: Record<string, number>;
	byLegalBasis: Record<string, number>;
	contentRequests: { requested: number; produced: 0 };
	preservations: number;
	emergencies: number;
	/** Accepted orders under a non-disclosure order, in percent (one decimal). */
	nonDisclosurePercent: number;
	notificationsSent: number;
	packages: { retrieved: number; expired: number };
	/** The audit log head the report was derived from (see the checkpoints). */
	auditLog: { size: number; headHash: string };
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

function bump(map: Record<string, number>, key: string): void {
	map[key] = (map[key] ?? 0) + 1;
}

export function buildTransparencyReport(
	server: string,
	period: Period,
	entries: readonly AuditEntry[],
	head: { size: number; headHash: string },
	now: number,
): TransparencyReport {
	const rejectedByCode: Record<string, number> = {};
	const byLegalBasis: Record<string, number> = {};
	const acceptedOrders = new Set<string>();
	const producedOrders = new Set<string>();
	let requests = 0, accountsSpecified = 0, contentRequested = 0, preservations = 0, emergencies = 0, underNdo = 0;
	let notificationsSent = 0, retrieved = 0, expired = 0;
	for (const e of entries) {
		if (e.ts < period.start || e.ts >= period.end) continue;
		const key = `${e.type}/${e.action}`;
		if (key === "order/submitted") {
			requests++;
			if (e.scope?.categories.includes("StoredContentData")) contentRequested++;
			if (e.result !== "ok") {
				bump(rejectedByCode, e.result);
				continue;
			}
			if (e.orderId !== null) acceptedOrders.add(e.orderId);
			accountsSpecified += e.scope?.targets ?? 0;
			bump(byLegalBasis, e.legalProvision ?? "unspecified");
			if (e.scope?.emergency) emergencies++;
			if (e.scope?.nonDisclosure) underNdo++;
		} else if (key === "approval/rejected" && e.result === "ok") bump(rejectedByCode, "OPERATOR_REJECTED");
		else if (key === "production/completed" && e.result === "ok" && e.orderId !== null) producedOrders.add(e.orderId);
		else if (key === "preservation/hold-created" && e.result === "ok") preservations++;
		else if (key === "notice/sent" && e.result === "ok") notificationsSent++;
		else if (key === "delivery/retrieved" && e.result === "ok") retrieved++;
		else if (key === "delivery/deleted" && e.reason === "expired") expired++;
	}
	const produced = [...producedOrders].filter((id) => acceptedOrders.has(id)).length;
	return {
		type: "sealbridge-transparency-report",
		server,
		period: period.name,
		periodStart: new Date(period.start).toISOString(),
		periodEnd: new Date(period.end).toISOString(),
		complete: now >= period.end,
		generatedAt: new Date(now).toISOString(),
		requests,
		accountsSpecified,
		accepted: acceptedOrders.size,
		producedPercent: percent(produced, acceptedOrders.size),
		rejectedByCode,
		byLegalBasis,
		contentRequests: { requested: contentRequested, produced: 0 },
		preservations,
		emergencies,
		nonDisclosurePercent: percent(underNdo, acceptedOrders.size),
		notificationsSent,
		packages: { retrieved, expired },
		auditLog: head,
	};
}
