// Step 8: "Category permitted by legal basis (for example subscriber-tier → SubscriberData only).
// StoredContentData always fails: LA_CATEGORY_NOT_PERMITTED, LA_CONTENT_NOT_PROVIDED 403"
// (LAWFUL_ACCESS.md "Validation"). A category must be allowed by the legal basis AND by the issuer's trust
// entry. Emergency orders are limited to subscriber data and sessions ("Lifecycle", Emergency).

import { GREY_SUBTYPES, TRAFFIC_SUBTYPES } from "../types";
import { LaError } from "../la-errors";
import type { CheckedOrder } from "./context";
import type { AuthorityCheck } from "./06-authority";

const EMERGENCY_TYPES = ["SubscriberData", "UserIdentifyingData"];

export function isEmergency(checked: CheckedOrder): boolean {
	return checked.order.authorisation.flags?.includes("IsEmergency") ?? false;
}

export function checkCategories(checked: CheckedOrder, { issuer, basis }: AuthorityCheck): void {
	const emergency = isEmergency(checked);
	checked.order.tasks.forEach((task, i) => {
		const { type, subtypes = [] } = task.requestDetails;
		const pointer = `/tasks/${i}/requestDetails/type`;
		// Before anything else: content is never provided, whatever the basis (even a warrant) says.
		if (type === "StoredContentData") {
			throw new LaError("LA_CONTENT_NOT_PROVIDED", "message content is end-to-end encrypted and never disclosed; this provider cannot produce StoredContentData", pointer);
		}
		if (task.kind === "LD" && !basis.disclose.includes(type)) {
			throw new LaError("LA_CATEGORY_NOT_PERMITTED", `${basis.id} does not authorise disclosure of ${type}`, pointer);
		}
		if (task.kind === "LP" && !basis.preserve) {
			throw new LaError("LA_CATEGORY_NOT_PERMITTED", `${basis.id} does not authorise preservation`, `/tasks/${i}/kind`);
		}
		if (!issuer.allowedRequestTypes.includes(type)) {
			throw new LaError("LA_CATEGORY_NOT_PERMITTED", `${issuer.id} may not request ${type}`, pointer);
		}
		if (emergency && !EMERGENCY_TYPES.includes(type)) {
			throw new LaError("LA_CATEGORY_NOT_PERMITTED", "an emergency order is limited to subscriber data and sessions", pointer);
		}
		subtypes.forEach((subtype, j) => {
			const grey = (type === "TrafficData" || type === "SubscriberData") && GREY_SUBTYPES[type].includes(subtype);
			const known = grey || (type === "TrafficData" && TRAFFIC_SUBTYPES.some((s) => s === subtype));
			const at = `/tasks/${i}/requestDetails/subtypes/${j}`;
			if (!known) throw new LaError("LA_CATEGORY_NOT_PERMITTED", `unknown subtype ${JSON.stringify(subtype)} for ${type}`, at);
			if (grey && emergency) throw new LaError("LA_CATEGORY_NOT_PERMITTED", "an emergency order is limited to subscriber data and sessions", at);
		});
	});
}
