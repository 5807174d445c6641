// Starting production after approval: freeze the approved scope into a job (the plan, the order's exact JWS),
// move the order to Producing (audited), and queue the job on EXPORT_JOBS. Starting twice is a no-op.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle (Approved → Producing) and #package.

import { getConfig } from "../../platform/config";
import { effectiveScope } from "../lifecycle/effective-scope";
import { requireOrder, transition } from "../lifecycle/state-machine";
import { resolveTargets } from "../collect/resolve-targets";
import { productionInput } from "./input";
import { insertJob } from "./store";
import type { ProductionInput } from "./types";

/** The EXPORT_JOBS message body; `kind` routes it to the consumer in src/worker/index.ts. */
export const EXPORT_JOB_KIND = "lawful_export";
export interface ExportJobMessage {
	kind: typeof EXPORT_JOB_KIND;
	orderId: string;
}

/** Creates the job (if new) and queues it. For callers that already hold the input (tests, the bench). */
export async function createProductionJob(env: Pick<Env, "DB" | "EXPORT_JOBS">, input: ProductionInput, now: number): Promise<boolean> {
	const created = await insertJob(env.DB, input, now);
	const message: ExportJobMessage = { kind: EXPORT_JOB_KIND, orderId: input.orderId };
	await env.EXPORT_JOBS.send(message);
	return created;
}

/**
 * After the second approval: the approved (possibly narrowed) scope becomes a job, the order becomes
 * Producing. An order with no LD tasks has nothing to produce and stays where it is.
 */
export async function startProduction(env: Env, orderId: string, now: number = Date.now()): Promise<void> {
	const record = await requireOrder(env, orderId);
	const scope = await effectiveScope(env.DB, record);
	if (!scope.some((t) => t.kind === "LD")) return;
	const row = await env.DB.prepare("SELECT jws FROM lawful_orders WHERE order_id = ?1").bind(orderId).first<{ jws: string }>();
	if (row === null) throw new Error("order row without its JWS");
	const resolved = await resolveTargets(env.DB, scope);
	const config = getConfig(env);
	const input = await productionInput(orderId, record.order, row.jws, scope, config.serverName, now, { resolved, policy: { greyData: config.lawfulGreyData } });
	if (record.status === "Approved") {
		await transition(env, orderId, ["Approved"], "Producing", { type: "production", action: "started", actor: "system:production", reason: `${input.plan.units.length} record set(s) to collect` }, now);
	}
	await createProductionJob(env, input, now);
}
