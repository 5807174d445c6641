// Step 5: "Freshness: timestamp within ±5 minutes, within validity, transaction ID unused: LA_STALE,
// LA_NOT_YET_VALID, LA_EXPIRED 403, LA_REPLAY 409. Resubmitting identical bytes returns the existing order's
// status." (LAWFUL_ACCESS.md "Validation"). The single-use check runs first, so an authority retrying a
// lost response with the same bytes learns its order's status even after the 5-minute window has passed.
// Transaction IDs are single use per sender (senderIdentifier.uniqueIdentifier).

import { LaError } from "../la-errors";
import type { CheckedOrder, ValidationDeps } from "./context";
import { ms } from "./context";

export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type Freshness = { kind: "fresh" } | { kind: "resubmitted"; orderId: string };

export async function checkFreshness(checked: CheckedOrder, sha256: string, deps: ValidationDeps): Promise<Freshness> {
	const { header, authorisation } = checked.order;
	const used = await deps.findTransaction(header.senderIdentifier.uniqueIdentifier, header.transactionIdentifier);
	if (used) {
		if (used.sha256 === sha256) return { kind: "resubmitted", orderId: used.orderId };
		throw new LaError("LA_REPLAY", "this transaction identifier was already used by another order", "/header/transactionIdentifier");
	}
	if (Math.abs(deps.now - checked.timestamp) > MAX_CLOCK_SKEW_MS) {
		throw new LaError("LA_STALE", "the order's timestamp is more than 5 minutes from the provider's clock", "/header/timestamp");
	}
	if (deps.now < ms(authorisation.timespan.startTime)) {
		throw new LaError("LA_NOT_YET_VALID", "the authorisation's validity has not begun", "/authorisation/timespan/startTime");
	}
	if (deps.now > ms(authorisation.timespan.endTime)) {
		throw new LaError("LA_EXPIRED", "the authorisation's validity has ended", "/authorisation/timespan/endTime");
	}
	return { kind: "fresh" };
}
