// The order validation pipeline: the 13 steps of LAWFUL_ACCESS.md "Validation", in order, failing fast with
// the first step's LaError. Pure: the clock, trust store, server name and replay lookup are arguments
// (ValidationDeps); the only awaits are WebCrypto (signatures, SHA-256) and the injected lookup.

import type { ValidationDeps } from "./validate/context";
import { parseOrderJws } from "./validate/01-parse";
import { verifySignatures } from "./validate/02-signatures";
import { checkSchema } from "./validate/03-schema";
import { checkRecipient } from "./validate/04-recipient";
import { checkFreshness } from "./validate/05-freshness";
import { checkAuthority } from "./validate/06-authority";
import { checkApprovals } from "./validate/07-approvals";
import { checkCategories } from "./validate/08-category";
import { checkTargets } from "./validate/09-targets";
import { checkLocality } from "./validate/10-locality";
import { checkWindows } from "./validate/11-window";
import { checkNonDisclosure } from "./validate/12-ndo";
import { buildValidatedOrder } from "./validate/13-accept";
import type { ValidatedOrder } from "./types";

export type { ValidationDeps } from "./validate/context";

export type OrderOutcome =
	/** A new, valid order: store it (status AwaitingApproval) with its canonical payload. */
	| { kind: "accepted"; order: ValidatedOrder; canonicalPayload: string }
	/** The identical bytes were accepted before: answer with that order's status. */
	| { kind: "resubmitted"; orderId: string };

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
	return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs steps 1-13; throws the first LaError. `sha256` is the hex SHA-256 of `bytes` (the shell stores it too). */
export async function validateOrder(bytes: Uint8Array, sha256: string, deps: ValidationDeps): Promise<OrderOutcome> {
	const jws = parseOrderJws(bytes, deps.trust); // 1
	await verifySignatures(jws); // 2
	const checked = checkSchema(jws); // 3
	checkRecipient(checked, deps.serverName); // 4
	const freshness = await checkFreshness(checked, sha256, deps); // 5
	if (freshness.kind === "resubmitted") return freshness;
	const authority = checkAuthority(checked, deps.trust); // 6
	checkApprovals(checked, authority); // 7
	checkCategories(checked, authority); // 8
	const targets = checkTargets(checked, authority.issuer); // 9
	checkLocality(targets, deps.serverName); // 10
	const times = checkWindows(checked, authority.issuer); // 11
	const nonDisclosure = checkNonDisclosure(checked); // 12
	return { kind: "accepted", order: buildValidatedOrder(checked, authority, targets, times, nonDisclosure), canonicalPayload: jws.payloadText }; // 13
}
