// Step 6: "Authority × regime × legal basis allowed: LA_AUTHORITY_NOT_ALLOWED, LA_LEGAL_BASIS_NOT_ALLOWED 403"
// (LAWFUL_ACCESS.md "Validation"). The issuer is the trust-store authority the header names as sender; it must
// have signed the order itself. Any other signature must come from a validating authority this issuer names:
// a stranger's signature on an order is refused rather than ignored.

import { findLegalBasis, type LegalBasis } from "../legal-bases";
import { findAuthority } from "../../trust/lookup";
import type { Authority, TrustStore } from "../../trust/schema";
import { LaError } from "../la-errors";
import type { CheckedOrder } from "./context";

export interface AuthorityCheck {
	issuer: Authority;
	validators: Authority[];
	basis: LegalBasis;
}

export function checkAuthority(checked: CheckedOrder, trust: TrustStore): AuthorityCheck {
	const { senderIdentifier } = checked.order.header;
	const issuer = findAuthority(trust, senderIdentifier.uniqueIdentifier);
	const pointer = "/header/senderIdentifier";
	if (!issuer || issuer.role !== "issuing") throw new LaError("LA_AUTHORITY_NOT_ALLOWED", "the sender is not an allow-listed issuing authority", pointer);
	if (issuer.country !== senderIdentifier.countryCode) throw new LaError("LA_AUTHORITY_NOT_ALLOWED", "the sender's country does not match the trust store", pointer);
	const signers = checked.jws.signatures.map((s) => s.pinned.authority);
	if (!signers.some((a) => a.id === issuer.id)) throw new LaError("LA_AUTHORITY_NOT_ALLOWED", "the order is not signed by a key of its sender", pointer);
	const validators: Authority[] = [];
	for (const signer of signers) {
		if (signer.id === issuer.id) continue;
		if (signer.role !== "validating" || !issuer.validatingAuthorities.includes(signer.id)) {
			throw new LaError("LA_AUTHORITY_NOT_ALLOWED", `${signer.id} is not a validating authority for ${issuer.id}`);
		}
		validators.push(signer);
	}

	const { legalBasis, jurisdiction } = checked.order.authorisation;
	const basis = findLegalBasis(legalBasis);
	if (!basis || !issuer.allowedLegalBases.includes(basis.id) || !issuer.regimes.includes(basis.regime)) {
		throw new LaError("LA_LEGAL_BASIS_NOT_ALLOWED", `legal basis ${JSON.stringify(legalBasis)} is not allowed for ${issuer.id}`, "/authorisation/legalBasis");
	}
	// A jurisdiction is the issuer's country or a subdivision of it ("US", "US-CA"): no orders under foreign law.
	if (jurisdiction !== issuer.country && !jurisdiction.startsWith(`${issuer.country}-`)) {
		throw new LaError("LA_LEGAL_BASIS_NOT_ALLOWED", `jurisdiction ${JSON.stringify(jurisdiction)} is outside ${issuer.country}`, "/authorisation/jurisdiction");
	}
	return { issuer, validators, basis };
}
