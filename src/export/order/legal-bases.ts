// The closed dictionary of legal bases an order may cite, with the regime each belongs to and the request
// types it can authorise. Design: LAWFUL_ACCESS.md "Order format" (legalBasis) and step 8 ("subscriber-tier →
// SubscriberData only"). A basis not listed here is refused (LA_LEGAL_BASIS_NOT_ALLOWED) even if a trust store
// names it: adding one is a code change a legal team reviews, not configuration.
//
// StoredContentData appears nowhere as disclosable: content is never provided (LA_CONTENT_NOT_PROVIDED).

import type { RequestType } from "./types";

export interface LegalBasis {
	id: string;
	regime: string;
	/** Request types an LD (disclosure) task may ask for under this basis. */
	disclose: readonly Exclude<RequestType, "StoredContentData">[];
	/** Whether LP (preservation) tasks are allowed under it. */
	preserve: boolean;
	summary: string;
}

const NON_CONTENT = ["SubscriberData", "UserIdentifyingData", "TrafficData"] as const;

export const LEGAL_BASES: readonly LegalBasis[] = [
	// US Stored Communications Act tiers (18 U.S.C. 2703).
	{ id: "US-18USC2703c2", regime: "US-SCA", disclose: ["SubscriberData"], preserve: false, summary: "subpoena: basic subscriber information" },
	{ id: "US-18USC2703d", regime: "US-SCA", disclose: NON_CONTENT, preserve: false, summary: "court order: non-content records" },
	{ id: "US-18USC2703a", regime: "US-SCA", disclose: NON_CONTENT, preserve: false, summary: "warrant (content is still never provided)" },
	{ id: "US-18USC2703f", regime: "US-SCA", disclose: [], preserve: true, summary: "preservation request, 90 days" },
	// UK Investigatory Powers Act 2016: entity data (subscriber, identifying) and events data (traffic).
	{ id: "UK-IPA-s60A", regime: "UK-IPA", disclose: NON_CONTENT, preserve: true, summary: "authorisation by the Investigatory Powers Commissioner" },
	{ id: "UK-IPA-s61", regime: "UK-IPA", disclose: NON_CONTENT, preserve: true, summary: "authorisation by a designated senior officer (national security)" },
	{ id: "UK-IPA-s61A", regime: "UK-IPA", disclose: NON_CONTENT, preserve: true, summary: "urgent authorisation by a designated senior officer" },
	// EU e-Evidence Regulation (EU) 2023/1543: production orders by tier, and preservation orders.
	{ id: "EU-2023/1543-EPOC-subscriber", regime: "EU-eEvidence", disclose: ["SubscriberData", "UserIdentifyingData"], preserve: false, summary: "European Production Order: subscriber and identifying data" },
	{ id: "EU-2023/1543-EPOC-traffic", regime: "EU-eEvidence", disclose: NON_CONTENT, preserve: false, summary: "European Production Order: traffic data (judicial validation)" },
	{ id: "EU-2023/1543-EPOC-PR", regime: "EU-eEvidence", disclose: [], preserve: true, summary: "European Preservation Order" },
];

export function findLegalBasis(id: string): LegalBasis | undefined {
	return LEGAL_BASES.find((b) => b.id === id);
}
