// The lawful-access audit entry: its shape, its closed vocabulary of types and actions, and its hash.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log": entries
// {seq, ts, type, orderId, orderSha256, actor, action, reason, legalProvision, issuer, result, packageSha256?,
// prevHash, entryHash}, entryHash = SHA-256(prevHash ‖ JCS(entry)). JCS is RFC 8785 (`canonicalize`).
// Pure: no storage, no clock.

import canonicalize from "canonicalize";

/** The prevHash of entry 1. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * What an entry is about. The vocabulary is closed so the transparency report (transparency/) and auditors
 * can count without guessing; add a value here (not a free string elsewhere) when a new event appears.
 */
export type AuditType = "order" | "approval" | "production" | "delivery" | "preservation" | "notice" | "trust" | "key" | "access";

/**
 * What happened. `result` says whether it succeeded ("ok") or which LA_* code refused it.
 * - order: submitted (result ok or LA_*), updated (cancel / NDO extension / preservation renewal), cancelled,
 *   expired, closed, status-read
 * - approval: approved, rejected, narrowed, widen-refused, emergency-reviewed, callback-verified,
 *   formal-process-received (a non-emergency order followed an emergency), formal-process-overdue
 * - production: started, completed (packageSha256), failed
 * - delivery: ready, retrieved (packageSha256), retrieval-refused, deleted (reason: retrieved | expired)
 * - preservation: hold-created, hold-renewed, hold-released, purge-suspended, erasure-completed (a deactivation
 *   erasure a hold had suspended, carried out once it ended: a count of accounts, never which)
 * - notice: scheduled, sent, delayed
 * - trust: authority-added, authority-updated, key-added, key-revoked, imported
 * - key: provider-key-generated, provider-key-rotated
 * - access: authority-request-refused (a failed RFC 9421 signature on a status/update/retrieval request)
 */
export type AuditAction =
	| "submitted"
	| "updated"
	| "cancelled"
	| "expired"
	| "closed"
	| "status-read"
	| "approved"
	| "rejected"
	| "narrowed"
	| "widen-refused"
	| "emergency-reviewed"
	| "callback-verified"
	| "formal-process-received"
	| "formal-process-overdue"
	| "started"
	| "completed"
	| "failed"
	| "ready"
	| "retrieved"
	| "retrieval-refused"
	| "deleted"
	| "hold-created"
	| "hold-renewed"
	| "hold-released"
	| "purge-suspended"
	| "erasure-completed"
	| "scheduled"
	| "sent"
	| "delayed"
	| "authority-added"
	| "authority-updated"
	| "key-added"
	| "key-revoked"
	| "imported"
	| "provider-key-generated"
	| "provider-key-rotated"
	| "authority-request-refused";

/**
 * Counts and flags about an order's scope, so the half-yearly transparency report can be derived from the
 * log alone. Never identifiers of targets, never records: only numbers, legal-basis and category names.
 * Set on the `order`/`submitted` entry (and on `approval`/`narrowed` for the narrowed scope).
 */
export interface AuditScope {
	/** How many target identifiers the order names (accounts specified). */
	targets: number;
	/** Request types asked for, e.g. ["SubscriberData", "TrafficData"]; "StoredContentData" counts as a content request. */
	categories: string[];
	emergency: boolean;
	/** Whether a non-disclosure order delays the user notice. */
	nonDisclosure: boolean;
	/** Order tasks that are preservations (LP). */
	preservations: number;
}

/** What a caller supplies; the AuditLogDO adds seq, ts, prevHash and entryHash. */
export interface AuditInput {
	type: AuditType;
	action: AuditAction;
	/** Our order UUID; null for events without an order (a refused malformed submission, a key rotation). */
	orderId: string | null;
	/** Hex SHA-256 of the order's exact JWS bytes as received; null when there are no bytes. */
	orderSha256: string | null;
	/** Who acted: `authority:<authorityId>/<kid>`, `operator:<mxid>`, or `system:<job>`. */
	actor: string;
	/** The operator's reason, the refusal detail, or why the system acted. Never record contents. */
	reason: string | null;
	/** The legal basis (e.g. `US-18USC2703d`) or, for an NDO, its legal provision. */
	legalProvision: string | null;
	/** The issuing authority's trust-store id. */
	issuer: string | null;
	/** "ok", or the LA_* code that refused the action. */
	result: string;
	/** Hex SHA-256 of the evidence package ZIP, on production/delivery entries. */
	packageSha256?: string;
	scope?: AuditScope;
}

/** An entry as hashed (everything but entryHash). */
export interface AuditEntryBody extends AuditInput {
	seq: number;
	ts: number;
	prevHash: string;
}

export interface AuditEntry extends AuditEntryBody {
	entryHash: string;
}

const encoder = new TextEncoder();

export function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
	const bytes = typeof data === "string" ? encoder.encode(data) : data;
	return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** RFC 8785 text of a JSON value; throws on values JCS cannot represent (undefined at the top, NaN, cycles). */
export function jcs(value: unknown): string {
	const text = canonicalize(value);
	if (text === undefined) throw new Error("value has no JSON canonical form");
	return text;
}

/** The entry body with optional fields that are undefined removed, so the stored JCS text is the hashed text. */
export function buildEntryBody(input: AuditInput, seq: number, ts: number, prevHash: string): AuditEntryBody {
	const body: AuditEntryBody = {
		seq,
		ts,
		type: input.type,
		orderId: input.orderId,
		orderSha256: input.orderSha256,
		actor: input.actor,
		action: input.action,
		reason: input.reason,
		legalProvision: input.legalProvision,
		issuer: input.issuer,
		result: input.result,
		prevHash,
	};
	if (input.packageSha256 !== undefined) body.packageSha256 = input.packageSha256;
	if (input.scope !== undefined) body.scope = input.scope;
	return body;
}

/** entryHash = hex(SHA-256(UTF-8(prevHash ‖ JCS(entry without entryHash)))). prevHash is fixed-length hex, so
 * plain concatenation is unambiguous. */
export async function computeEntryHash(body: AuditEntryBody): Promise<string> {
	return sha256Hex(body.prevHash + jcs(body));
}
