// delivery.json: a TS 103 120 Delivery-like object describing the package (object ID, associated tasks, LDIDs,
// manifest specification, part/totalParts/isFinal, the order's SHA-256, categories produced and not available).
// Pure. Design: /work/shared/LAWFUL_ACCESS.md#package
// Spec: ETSI TS 103 120 (Delivery object: Reference, DeliveryID, SequenceNumber, LastSequence, Manifest).

import type { Unavailable } from "../collect/plan";
import type { RecordSetName } from "./records-schema";
import { RECORDS_SCHEMA_ID } from "./json-schema";

export interface ProducedCategory {
	ldid: string;
	recordSet: RecordSetName;
	records: number;
}

export interface DeliveryInput {
	/** The package's own ID (a UUID from the shell). */
	objectIdentifier: string;
	orderId: string;
	provider: string;
	caseReference: string;
	ldids: readonly string[];
	orderSha256: string;
	producedAt: number;
	produced: readonly ProducedCategory[];
	unavailable: readonly Unavailable[];
}

export function deliveryJson(input: DeliveryInput): string {
	const delivery = {
		objectType: "Delivery",
		objectIdentifier: input.objectIdentifier,
		associatedObjects: [input.orderId, ...input.ldids],
		reference: { orderId: input.orderId, authorisationReference: input.caseReference, ldids: input.ldids },
		provider: input.provider,
		producedAt: new Date(input.producedAt).toISOString(),
		orderSha256: input.orderSha256,
		manifest: {
			specification: "BagIt 1.0 (RFC 8493)",
			hashAlgorithm: "SHA-256",
			payloadManifest: "manifest-sha256.txt",
			tagManifest: "tagmanifest-sha256.txt",
			signature: "delivery.jws (detached JWS, RFC 7515 Appendix F, over tagmanifest-sha256.txt)",
			recordSchema: RECORDS_SCHEMA_ID,
		},
		part: 1,
		totalParts: 1,
		isFinal: true,
		categoriesProduced: input.produced.map((p) => ({ ldid: p.ldid, recordSet: p.recordSet, records: p.records })),
		categoriesNotAvailable: input.unavailable.map((u) => ({ ldid: u.ldid, category: u.category, reason: u.reason })),
	};
	return `${JSON.stringify(delivery, null, 2)}\n`;
}
