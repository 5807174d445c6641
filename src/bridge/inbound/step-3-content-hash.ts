// Receipt check 3: "Passes hash checks, otherwise it is redacted before being processed further."
// "If the hash check fails, the receiving server should use the redacted copy it calculated rather than
// the full copy it received" — the redacted copy is what the room stores, and the event is kept.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import type { Pdu } from "../../protocol/events/pdu";
import type { VerifyEventResult } from "../../protocol/events/sign-event";

/** The JSON text the room stores: the PDU as received, or the redacted copy after a hash mismatch. */
export function copyToStore(pdu: Pdu, verdict: Exclude<VerifyEventResult, { verdict: "drop" }>): { pdu_json: string; redacted: boolean } {
	if (verdict.verdict === "redact") return { pdu_json: JSON.stringify(verdict.redacted), redacted: true };
	return { pdu_json: JSON.stringify(pdu), redacted: false };
}
