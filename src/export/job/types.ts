// What a production job works from (frozen when it starts, so a later change cannot alter what is produced)
// and what it reports. Design: /work/shared/LAWFUL_ACCESS.md#package and #lifecycle (Producing).

import type { ProductionPlan } from "../collect/plan";
import type { RecipientKey } from "../order/types";

/** One LD task as asked, for delivery.json and the readme. */
export interface RequestedTask {
	ldid: string;
	requestType: string;
	subtypes: string[];
	/** The identifier as the order gave it, e.g. "ServiceAccessIdentifier @alice:example.org". */
	target: string;
	window: { start: number; end: number } | null;
}

export interface ProductionInput {
	orderId: string;
	/** authorisation.authorisationReference */
	caseReference: string;
	legalBasis: string;
	/** The order's exact JWS text as received (data/order.jws). */
	orderJws: string;
	/** Hex SHA-256 of orderJws. */
	orderSha256: string;
	requested: RequestedTask[];
	plan: ProductionPlan;
	/** When production started (epoch ms); windowless tasks end here. */
	startedAt: number;
	/** delivery.recipientKey: the package is delivered as a JWE to this key (absent in jobs made before it existed). */
	recipientKey?: RecipientKey | null;
}

export type JobState = "collecting" | "assembling" | "done" | "failed";

/** Progress as the order status shows it: counts only, never records. */
export interface ProductionProgress {
	state: JobState;
	unitsDone: number;
	unitsTotal: number;
	records: number;
	parts: number;
	packageSha256: string | null;
	packageBytes: number | null;
	error: string | null;
}

/** The finished package in R2 (EVIDENCE). */
export interface ProducedPackage {
	key: string;
	sha256: string;
	bytes: number;
}
