// Receiving an order: validate (steps 1-13), audit the outcome, store an accepted order. The shell around the
// pure pipeline (validate-order.ts): the clock, order IDs, D1 and the audit log live here.
// Design: LAWFUL_ACCESS.md "Validation (fail fast, audit every outcome)"; docs/lawful-access.md "Audit".
// Every outcome is in the audit log before the authority gets an answer: refusals carry their LA_* code.

import { getConfig } from "../../platform/config";
import { recordFormalProcess } from "../lifecycle/formal-process";
import { isOrderStatus } from "../lifecycle/transitions";
import { appendAudit, type AuditEnv, type AuditInput } from "../audit/append";
import { insertOrder, findTransaction, orderSummary } from "../store/orders";
import { loadEffectiveTrust, type TrustEnv } from "../trust/effective";
import { LaError } from "./la-errors";
import type { OrderAccepted, ValidatedOrder } from "./types";
import { parseOrderJws } from "./validate/01-parse";
import { sha256Hex, validateOrder } from "./validate-order";

export type SubmitEnv = AuditEnv & TrustEnv;

/** Codes given before the signature is known to be good: whatever the payload claims is unverified. */
const UNVERIFIED = new Set(["LA_MALFORMED", "LA_ALG_NOT_ALLOWED", "LA_KEY_UNKNOWN", "LA_SIG_INVALID"]);

export interface SubmitResult {
	status: 200 | 202;
	body: OrderAccepted;
}

function scopeOf(order: ValidatedOrder): AuditInput["scope"] {
	return {
		targets: new Set(order.tasks.map((t) => JSON.stringify(t.target))).size,
		categories: [...new Set(order.tasks.map((t) => t.requestType))].sort(),
		emergency: order.emergency,
		nonDisclosure: order.nonDisclosure !== null,
		preservations: order.tasks.filter((t) => t.kind === "LP").length,
	};
}

/** Who sent a refused order, for the record: only once the signature verified is the claim worth naming. */
function refusalFacts(bytes: Uint8Array, error: LaError, trust: Parameters<typeof parseOrderJws>[1]): Pick<AuditInput, "actor" | "issuer" | "legalProvision" | "scope"> {
	if (UNVERIFIED.has(error.code)) return { actor: "authority:unverified", issuer: null, legalProvision: null };
	const jws = parseOrderJws(bytes, trust);
	const kid = jws.signatures[0]?.kid ?? "?";
	const header = jws.payload.header;
	const sender = typeof header === "object" && header !== null && "senderIdentifier" in header && typeof header.senderIdentifier === "object" && header.senderIdentifier !== null && "uniqueIdentifier" in header.senderIdentifier ? String(header.senderIdentifier.uniqueIdentifier) : null;
	const auth = jws.payload.authorisation;
	const basis = typeof auth === "object" && auth !== null && "legalBasis" in auth && typeof auth.legalBasis === "string" ? auth.legalBasis : null;
	// A content request is counted even when refused: the transparency report lists content requests (0 produced).
	const scope = error.code === "LA_CONTENT_NOT_PROVIDED" ? { targets: 0, categories: ["StoredContentData"], emergency: false, nonDisclosure: false, preservations: 0 } : undefined;
	return { actor: `authority:${sender ?? "?"}/${kid}`, issuer: sender, legalProvision: basis, ...(scope ? { scope } : {}) };
}

export async function submitOrder(env: SubmitEnv, bytes: Uint8Array, now: number): Promise<SubmitResult> {
	const sha256 = await sha256Hex(bytes);
	const { store: trust } = await loadEffectiveTrust(env);
	const base = { type: "order" as const, action: "submitted" as const, orderSha256: sha256 };
	let outcome;
	try {
		outcome = await validateOrder(bytes, sha256, { now, serverName: getConfig(env).serverName, trust, findTransaction: (s, t) => findTransaction(env.DB, s, t) });
	} catch (e) {
		if (!(e instanceof LaError)) throw e;
		await appendAudit(env, { ...base, orderId: null, reason: e.detail, result: e.code, ...refusalFacts(bytes, e, trust) }, now);
		throw e;
	}

	if (outcome.kind === "resubmitted") {
		const summary = await orderSummary(env.DB, outcome.orderId);
		if (!summary || !isOrderStatus(summary.status)) throw new LaError("LA_INTERNAL", "the resubmitted order's record is missing");
		await appendAudit(env, { ...base, orderId: outcome.orderId, actor: "authority:resubmission", reason: "identical bytes resubmitted; existing status returned", legalProvision: null, issuer: null, result: "ok" }, now);
		return { status: 200, body: { orderId: outcome.orderId, status: summary.status, ldids: summary.ldids } };
	}

	const { order } = outcome;
	const orderId = crypto.randomUUID();
	const actor = `authority:${order.issuer}/${order.kids.join("+")}`;
	const facts = { actor, legalProvision: order.legalBasis, issuer: order.issuer };
	// Logged before it is stored: an order that exists is always in the log.
	await appendAudit(env, { ...base, ...facts, orderId, reason: `accepted: ${order.authorisationReference}`, result: "ok", scope: scopeOf(order) }, now);
	const jws = new TextDecoder().decode(bytes);
	const stored = await insertOrder(env.DB, { orderId, sha256, sender: order.issuer, jws, canonicalPayload: outcome.canonicalPayload, order, status: "AwaitingApproval", now });
	if (!stored) {
		const error = new LaError("LA_REPLAY", "this transaction identifier was used by a concurrent submission", "/header/transactionIdentifier");
		await appendAudit(env, { ...base, ...facts, orderId, reason: `${error.detail}; the logged acceptance above did not take effect`, result: error.code }, now);
		throw error;
	}
	await recordFormalProcess(env, order, orderId, now);
	return { status: 202, body: { orderId, status: "AwaitingApproval", ldids: order.tasks.map((t) => t.ldid) } };
}
