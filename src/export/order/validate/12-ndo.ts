// Step 12: "Non-disclosure well formed: LA_NDO_INVALID 400" (LAWFUL_ACCESS.md "Validation"). Well formed means:
// it cites the provision that allows it, and it ends after the order was issued and within a year. An
// open-ended gag is not accepted; the issuer extends a running NDO with a signed update.

import { LaError } from "../la-errors";
import type { CheckedOrder } from "./context";
import { ms } from "./context";

export const MAX_NDO_MS = 366 * 24 * 60 * 60 * 1000;

export function checkNonDisclosure(checked: CheckedOrder): { until: number; legalProvision: string } | null {
	const ndo = checked.order.authorisation.nonDisclosure;
	if (ndo === undefined) return null;
	if (ndo.legalProvision.trim() === "") throw new LaError("LA_NDO_INVALID", "a non-disclosure order must cite its legal provision", "/authorisation/nonDisclosure/legalProvision");
	const until = ms(ndo.until);
	if (until <= checked.timestamp) throw new LaError("LA_NDO_INVALID", "the non-disclosure period must end after the order's timestamp", "/authorisation/nonDisclosure/until");
	if (until - checked.timestamp > MAX_NDO_MS) throw new LaError("LA_NDO_INVALID", "a non-disclosure period may last at most one year; extend it with a signed update", "/authorisation/nonDisclosure/until");
	return { until, legalProvision: ndo.legalProvision };
}
