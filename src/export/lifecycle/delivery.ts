// One-time delivery: when the package is ready a ≥128-bit retrieval token is minted (only its SHA-256 is
// stored); the authority's signed GET gets the package once; after that, or at the TTL, the package is
// deleted from R2 and the deletion audited. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Delivery")

import { DAY_MS } from "./retention-job";
import { encodeBase64Url } from "../../protocol/json/base64";
import { getConfig } from "../../platform/config";
import { appendAudit } from "../audit/append";
import { sha256Hex } from "../audit/entry";
import { isSealedKey } from "../job/seal";
import { LaError } from "../order/la-errors";
import { type DeliveryRow, claimRetrieval, expiredDeliveries, getDeliveryByHash, getDeliveryOfOrder, insertDelivery, markDeleted, retrievedUndeleted } from "../store/deliveries";
import { getOrderRecord, type OrderRecord } from "../store/order-status";
import { effectiveScope } from "./effective-scope";
import { resolvedTargetUsers } from "../job/store";
import { scheduleNotices } from "./notices";
import { auditOrderEvent, requireOrder, transition } from "./state-machine";

/** 32 random bytes: twice the design's 128-bit floor. */
const TOKEN_BYTES = 32;

export function mintDeliveryToken(random: Uint8Array): string {
	if (random.length * 8 < 128) throw new Error("a delivery token needs at least 128 random bits");
	return encodeBase64Url(random);
}

/** Called by the production job once the package is in R2: the order waits for its single retrieval. */
export async function packageReady(env: Pick<Env, "DB" | "AUDIT_LOG"> & Env, orderId: string, r2Key: string, packageSha256: string, now: number): Promise<void> {
	if ((await getDeliveryOfOrder(env.DB, orderId)) !== null) return;
	const ttl = getConfig(env).lawfulDeliveryTtlDays * DAY_MS;
	// A placeholder hash until the authority first reads the status (issueRetrievalUrl mints the token it sees).
	const tokenHash = await sha256Hex(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
	await insertDelivery(env.DB, { token_hash: tokenHash, order_id: orderId, r2_key: r2Key, package_sha256: packageSha256, created_ts: now, expires_ts: now + ttl });
	await transition(env, orderId, ["Producing"], "AwaitingDisclosure", { type: "delivery", action: "ready", actor: "system:production", reason: `retrievable once until ${new Date(now + ttl).toISOString()}`, packageSha256 }, now);
}

/**
 * A fresh retrieval token for the issuer's signed status read. Only the hash is kept, so the token cannot be
 * shown twice; each read replaces it (the older URL stops working) while the TTL stays fixed.
 */
export async function issueRetrievalToken(db: D1Database, orderId: string, now: number): Promise<{ token: string; expiresTs: number } | null> {
	const delivery = await getDeliveryOfOrder(db, orderId);
	if (delivery === null || delivery.retrieved_ts !== null || delivery.deleted_ts !== null || delivery.expires_ts <= now) return null;
	const token = mintDeliveryToken(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
	await db.prepare("UPDATE lawful_deliveries SET token_hash = ?1 WHERE order_id = ?2 AND retrieved_ts IS NULL").bind(await sha256Hex(token), orderId).run();
	return { token, expiresTs: delivery.expires_ts };
}

/**
 * The authority's signed retrieval: the package bytes exactly once. Every refusal (unknown, used, expired,
 * another authority) is the same LA_GONE/LA_NOT_FOUND answer and is audited.
 */
export async function retrievePackage(env: Pick<Env, "DB" | "AUDIT_LOG" | "EVIDENCE">, token: string, authorityId: string, actor: string, now: number): Promise<{ bytes: ArrayBuffer; sha256: string; record: OrderRecord; sealed: boolean }> {
	const delivery = await getDeliveryByHash(env.DB, await sha256Hex(token));
	const record = delivery === null ? null : await getOrderRecord(env.DB, delivery.order_id);
	if (delivery === null || record === null || record.order.issuer !== authorityId) {
		// No order to attach it to, or not the issuer's: audit without naming any order, and reveal nothing.
		await auditOrderEventless(env, actor, "unknown or foreign retrieval token", now);
		throw new LaError("LA_NOT_FOUND", "no such delivery");
	}
	if (!(await claimRetrieval(env.DB, delivery.token_hash, now))) {
		const why = delivery.retrieved_ts !== null ? "already retrieved" : "expired or deleted";
		await auditOrderEvent(env, record, { type: "delivery", action: "retrieval-refused", actor, reason: why, result: "LA_GONE" }, now);
		throw new LaError("LA_GONE", `this delivery was ${why}; a package is handed over once`);
	}
	const object = await env.EVIDENCE.get(delivery.r2_key);
	if (object === null) {
		await auditOrderEvent(env, record, { type: "delivery", action: "retrieval-refused", actor, reason: "package missing from storage", result: "LA_INTERNAL" }, now);
		throw new LaError("LA_INTERNAL", "the package is not available");
	}
	// Read whole, then delete: the bytes leave storage with this one response (the job retries a failed delete).
	const bytes = await object.arrayBuffer();
	const retrieved = await transition(env, record.orderId, ["AwaitingDisclosure"], "Disclosed", { type: "delivery", action: "retrieved", actor, reason: null, packageSha256: delivery.package_sha256 }, now);
	await deletePackage(env, { ...delivery, retrieved_ts: now }, "retrieved", now);
	await scheduleNotices(env, retrieved, await effectiveScope(env.DB, retrieved), "disclosure", now, await resolvedTargetUsers(env.DB, record.orderId));
	return { bytes, sha256: delivery.package_sha256, record: retrieved, sealed: isSealedKey(delivery.r2_key) };
}

async function auditOrderEventless(env: Pick<Env, "AUDIT_LOG">, actor: string, reason: string, now: number): Promise<void> {
	await appendAudit(env, { type: "delivery", action: "retrieval-refused", orderId: null, orderSha256: null, actor, reason, legalProvision: null, issuer: null, result: "LA_NOT_FOUND" }, now);
}

/** Deletes the package bytes (and every part under its prefix) and audits why. Idempotent. */
export async function deletePackage(env: Pick<Env, "DB" | "AUDIT_LOG" | "EVIDENCE">, delivery: DeliveryRow, reason: "retrieved" | "expired" | "cancelled", now: number): Promise<void> {
	await env.EVIDENCE.delete(delivery.r2_key);
	if (!(await markDeleted(env.DB, delivery.token_hash, reason, now))) return;
	const record = await requireOrder(env, delivery.order_id);
	await auditOrderEvent(env, record, { type: "delivery", action: "deleted", actor: "system:delivery", reason, packageSha256: delivery.package_sha256 }, now);
}

/** The hourly job: finish deletions after retrieval, delete packages past their TTL and expire their orders. */
export async function expireDeliveries(env: Pick<Env, "DB" | "AUDIT_LOG" | "EVIDENCE">, now: number): Promise<number> {
	for (const d of await retrievedUndeleted(env.DB)) await deletePackage(env, d, "retrieved", now);
	const expired = await expiredDeliveries(env.DB, now);
	for (const d of expired) {
		await deletePackage(env, d, "expired", now);
		const record = await getOrderRecord(env.DB, d.order_id);
		if (record?.status === "AwaitingDisclosure") {
			await transition(env, d.order_id, ["AwaitingDisclosure"], "Expired", { type: "order", action: "expired", actor: "system:delivery", reason: "the package was not retrieved within its TTL" }, now);
		}
	}
	return expired.length;
}
