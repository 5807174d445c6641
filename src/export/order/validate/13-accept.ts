// Step 13: "Accepted: 202 {orderId, status:"AwaitingApproval", ldids[]}" (LAWFUL_ACCESS.md "Validation").
// Builds the validated scope every later part works from: the operator sees it, narrowing may only shrink it,
// collectors read exactly it. Defaults are filled in here, once: TrafficData without subtypes means the
// default set (Counterparties only when named), as the design's category table says.

import { DEFAULT_TRAFFIC_SUBTYPES, type ScopeTask, type Target, type ValidatedOrder } from "../types";
import type { CheckedOrder } from "./context";
import { ms } from "./context";
import type { AuthorityCheck } from "./06-authority";
import { isEmergency } from "./08-category";
import type { TaskTimes } from "./11-window";

export function buildValidatedOrder(
	checked: CheckedOrder,
	authority: AuthorityCheck,
	targets: readonly Target[],
	times: readonly TaskTimes[],
	nonDisclosure: ValidatedOrder["nonDisclosure"],
): ValidatedOrder {
	const { order } = checked;
	const tasks = order.tasks.map((task, i): ScopeTask => {
		const { type, subtypes } = task.requestDetails;
		const target = targets[i];
		const time = times[i];
		// Steps 8-11 produced one entry per task; a gap is a programming error, not an order problem.
		if (type === "StoredContentData" || !target || !time) throw new Error("validated scope out of step");
		return {
			ldid: task.reference,
			kind: task.kind,
			requestType: type,
			// TrafficData without subtypes means the defaults; SubscriberData's only subtypes are grey additions.
			subtypes: type === "TrafficData" ? (subtypes && subtypes.length > 0 ? [...subtypes] : [...DEFAULT_TRAFFIC_SUBTYPES]) : [...(subtypes ?? [])],
			target,
			window: time.window,
			preservationExpiresAt: time.preservationExpiresAt,
		};
	});
	return {
		issuer: authority.issuer.id,
		validators: authority.validators.map((a) => a.id),
		kids: checked.jws.signatures.map((s) => s.kid),
		transactionId: order.header.transactionIdentifier,
		authorisationReference: order.authorisation.authorisationReference,
		legalBasis: order.authorisation.legalBasis,
		jurisdiction: order.authorisation.jurisdiction,
		timestamp: checked.timestamp,
		validFrom: ms(order.authorisation.timespan.startTime),
		validUntil: ms(order.authorisation.timespan.endTime),
		emergency: isEmergency(checked),
		nonDisclosure,
		tasks,
		recipientKey: order.delivery?.recipientKey ?? null,
	};
}
