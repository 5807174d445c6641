// The EXPORT_JOBS consumer: runs a slice of a production job, then queues the rest, so no invocation runs
// long and a crash costs at most one uncommitted page. When the package is ready it is audited and handed
// to delivery (lifecycle), which moves the order to AwaitingDisclosure.
// Design: /work/shared/LAWFUL_ACCESS.md#package and #lifecycle; ARCHITECTURE.md "Queues ... idempotent".

import { log } from "../../platform/log";
import { packageReady } from "../lifecycle/delivery";
import { auditOrderEvent } from "../lifecycle/state-machine";
import { getOrderRecord } from "../store/order-status";
import { runJob } from "./run";
import { EXPORT_JOB_KIND, type ExportJobMessage } from "./start";

/** Collection steps per queue message (each a page of at most PAGE_RECORDS records). */
export const STEPS_PER_MESSAGE = 50;

function isExportJobMessage(body: unknown): body is ExportJobMessage {
	return typeof body === "object" && body !== null && "kind" in body && body.kind === EXPORT_JOB_KIND && "orderId" in body && typeof body.orderId === "string";
}

function randomToken(): string {
	return crypto.randomUUID();
}

/** Runs (part of) one job. Idempotent: a redelivered message finds the job further on, or done. */
export async function consumeExportJob(body: unknown, env: Env): Promise<void> {
	if (!isExportJobMessage(body)) {
		log.warn("lawful_export_message_invalid", {});
		return;
	}
	const outcome = await runJob(env, body.orderId, { now: Date.now, random: randomToken, maxSteps: STEPS_PER_MESSAGE });
	if (outcome.state === "collecting") {
		await env.EXPORT_JOBS.send(body);
		return;
	}
	const record = await getOrderRecord(env.DB, body.orderId);
	if (record === null) return;
	const now = Date.now();
	if (outcome.state === "failed") {
		log.error("lawful_export_failed", { order_id: body.orderId });
		await auditOrderEvent(env, record, { type: "production", action: "failed", actor: "system:production", reason: outcome.error, result: "failed" }, now);
		return;
	}
	if (outcome.state !== "done" || record.status !== "Producing") return;
	if (outcome.assembledNow) {
		await auditOrderEvent(env, record, { type: "production", action: "completed", actor: "system:production", reason: `package of ${outcome.pkg.bytes} bytes`, packageSha256: outcome.pkg.sha256 }, now);
	}
	await packageReady(env, body.orderId, outcome.pkg.key, outcome.pkg.sha256, now);
}
