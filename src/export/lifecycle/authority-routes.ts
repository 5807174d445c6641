// The issuing authority's routes (auth "authority": an RFC 9421 signature by a pinned key): its order's
// status (with a fresh one-time retrieval URL once the package is ready), signed updates, and the single
// retrieval. Another authority's order answers exactly like an unknown one. Design:
// /work/shared/LAWFUL_ACCESS.md#api and #lifecycle ("Delivery").

import type { Context } from "hono";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import { productionProgress } from "../job/run";
import { SEALED_CONTENT_TYPE } from "../job/seal";
import { LaError } from "../order/la-errors";
import { recipientAlg } from "../order/recipient-key";
import { PACKAGE_JWE_ENC, recipientKid } from "../package/encrypt";
import { laHandler } from "../order/la-handler";
import { getOrderRecord, type OrderRecord } from "../store/order-status";
import { delayNotices, extendNdo } from "../store/notices";
import { cancelOrder } from "./cancel";
import { issueRetrievalToken, retrievePackage } from "./delivery";
import { renewOrderHolds } from "./holds";
import { verifyUpdate } from "./signed-update";
import { auditOrderEvent } from "./state-machine";

const LIMIT = { perSecond: 2, burst: 20 };

function actorOf(c: Context<AppEnv>): string {
	const a = c.get("authority");
	return `authority:${a.authorityId}/${a.kid}`;
}

async function issuersOrder(c: Context<AppEnv>): Promise<OrderRecord> {
	const record = await getOrderRecord(c.env.DB, c.req.param("id") ?? "");
	if (record === null || record.order.issuer !== c.get("authority").authorityId) throw new LaError("LA_NOT_FOUND", "no such order");
	return record;
}

async function status(c: Context<AppEnv>): Promise<Response> {
	const now = Date.now();
	const record = await issuersOrder(c);
	const progress = await productionProgress(c.env, record.orderId);
	const body: Record<string, unknown> = {
		orderId: record.orderId,
		status: record.status,
		ldids: record.order.tasks.map((t) => t.ldid),
		updatedAt: new Date(record.updatedTs).toISOString(),
		progress: progress === null ? null : { state: progress.state, unitsDone: progress.unitsDone, unitsTotal: progress.unitsTotal, records: progress.records },
	};
	if (record.status === "AwaitingDisclosure") {
		const issued = await issueRetrievalToken(c.env.DB, record.orderId, now);
		if (issued !== null) {
			const base = new URL(c.req.url).origin;
			const delivery: Record<string, unknown> = { url: `${base}/_lawful/v1/deliveries/${issued.token}`, expiresAt: new Date(issued.expiresTs).toISOString(), oneTime: true };
			const key = record.order.recipientKey;
			// Which key opens it (package/encrypt.ts), so the authority knows before downloading.
			if (key !== null) delivery.encryption = { format: "JWE compact", alg: recipientAlg(key), enc: PACKAGE_JWE_ENC, kid: await recipientKid(key) };
			body.delivery = delivery;
		}
	}
	await auditOrderEvent(c.env, record, { type: "order", action: "status-read", actor: actorOf(c), reason: null }, now);
	return c.json(body);
}

async function update(c: Context<AppEnv>): Promise<Response> {
	const now = Date.now();
	const record = await issuersOrder(c);
	const { update: u } = await verifyUpdate(c.env, await c.req.text(), record.orderId, record.order.issuer, now);
	const actor = actorOf(c);
	if (u.action === "cancel") {
		return c.json({ orderId: record.orderId, status: await cancelOrder(c.env, record.orderId, actor, u.reason || "cancelled by the issuer", now) });
	}
	if (u.action === "extend-ndo") {
		if (u.until <= now) throw new LaError("LA_NDO_INVALID", "the new end of non-disclosure is in the past", "/until");
		await extendNdo(c.env.DB, record.orderId, u.until, now);
		await delayNotices(c.env.DB, record.orderId, u.until);
		await auditOrderEvent(c.env, record, { type: "order", action: "updated", actor, reason: `non-disclosure extended to ${new Date(u.until).toISOString()}` }, now);
		return c.json({ orderId: record.orderId, status: record.status, nonDisclosureUntil: new Date(u.until).toISOString() });
	}
	if (!(await renewOrderHolds(c.env, record, u.expiration, actor, now))) {
		throw new LaError("LA_INVALID_STATE", "there is no active hold that can be renewed (a hold is renewed once)");
	}
	await auditOrderEvent(c.env, record, { type: "order", action: "updated", actor, reason: "preservation renewed" }, now);
	return c.json({ orderId: record.orderId, status: record.status });
}

async function retrieve(c: Context<AppEnv>): Promise<Response> {
	const a = c.get("authority");
	const got = await retrievePackage(c.env, c.req.param("token") ?? "", a.authorityId, actorOf(c), Date.now());
	return new Response(got.bytes, {
		headers: {
			// A sealed package is the ZIP as a compact JWE to the order's recipientKey (job/seal.ts).
			"content-type": got.sealed ? SEALED_CONTENT_TYPE : "application/zip",
			"content-disposition": `attachment; filename="evidence-${got.record.orderId}.zip${got.sealed ? ".jwe" : ""}"`,
			"digest-sha256": got.sha256,
			"cache-control": "no-store",
		},
	});
}

export const authorityEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_lawful/v1/orders/:id", auth: "authority", rateLimit: LIMIT, handler: laHandler(status) },
	{ method: "POST", path: "/_lawful/v1/orders/:id/updates", auth: "authority", rateLimit: LIMIT, handler: laHandler(update) },
	{ method: "GET", path: "/_lawful/v1/deliveries/:token", auth: "authority", rateLimit: LIMIT, handler: laHandler(retrieve) },
];
