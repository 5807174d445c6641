// Step 7: "Required approvals and validating signature present: LA_APPROVAL_MISSING,
// LA_VALIDATING_SIGNATURE_MISSING 403" (LAWFUL_ACCESS.md "Validation"). The issuer's `minApprovals` says how
// many authorising officials the order must name; an approval dated after the order was issued did not
// authorise it. Regimes with independent review (`requiresValidatingAuthority`) need the co-signature.

import { LaError } from "../la-errors";
import type { CheckedOrder } from "./context";
import { ms } from "./context";
import type { AuthorityCheck } from "./06-authority";

export function checkApprovals(checked: CheckedOrder, authority: AuthorityCheck): void {
	const approvals = checked.order.authorisation.approvalDetails;
	if (approvals.length < authority.issuer.minApprovals) {
		throw new LaError("LA_APPROVAL_MISSING", `the order needs ${authority.issuer.minApprovals} approval(s) and names ${approvals.length}`, "/authorisation/approvalDetails");
	}
	approvals.forEach((approval, i) => {
		if (ms(approval.approvalTimestamp) > checked.timestamp) {
			throw new LaError("LA_APPROVAL_MISSING", "an approval is dated after the order was issued", `/authorisation/approvalDetails/${i}/approvalTimestamp`);
		}
	});
	if (authority.issuer.requiresValidatingAuthority && authority.validators.length === 0) {
		throw new LaError("LA_VALIDATING_SIGNATURE_MISSING", `orders from ${authority.issuer.id} need a validating authority's signature (JSON General serialisation)`);
	}
}
