// The lifecycle's hourly work (wired into the worker's `scheduled` handler): release expired holds, purge
// unheld session IPs and media metadata, remove deactivated accounts' 3PIDs and carry out their erasure (`erase: true`) once no hold keeps them, delete retrieved or expired packages, send notices now due, report overdue emergency
// reviews and emergencies still without formal process, close orders with nothing left to do. Each step runs even if another fails. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle

import { log } from "../../platform/log";
import { removeDeactivatedThreepids } from "../../platform/threepids";
import { appendAudit } from "../audit/append";
import { markOverdueReported, overdueReviews } from "../store/approvals";
import { expireDeliveries } from "./delivery";
import { reportOverdueFormalProcess } from "./formal-process";
import { releaseExpiredHolds } from "./holds";
import { sendDueNotices } from "./notices";
import { purgeMediaMetadata } from "./media-retention-job";
import { purgeSessionIps } from "./retention-job";
import { closeFinishedOrders } from "./close";
import { carryOutSuspendedErasures } from "./erasure-job";

async function reportOverdueReviews(env: Env, now: number): Promise<number> {
	const overdue = await overdueReviews(env.DB, now);
	for (const e of overdue) {
		await appendAudit(
			env,
			{ type: "approval", action: "emergency-reviewed", orderId: e.order_id, orderSha256: null, actor: "system:lifecycle", reason: "the second operator's review is overdue (24 hours)", legalProvision: null, issuer: null, result: "LA_APPROVAL_MISSING" },
			now,
		);
		await markOverdueReported(env.DB, e.order_id, now);
	}
	return overdue.length;
}

const STEPS: readonly [string, (env: Env, now: number) => Promise<unknown>][] = [
	["holds", releaseExpiredHolds],
	["session_ip_purge", purgeSessionIps],
	["media_metadata_purge", purgeMediaMetadata],
	["deactivated_threepids", (env, now) => removeDeactivatedThreepids(env.DB, null, now)],
	["deactivation_erasure", carryOutSuspendedErasures],
	["deliveries", expireDeliveries],
	["notices", sendDueNotices],
	["emergency_reviews", reportOverdueReviews],
	["emergency_formal_process", reportOverdueFormalProcess],
	["close", closeFinishedOrders],
];

export async function runLawfulHousekeeping(env: Env, now: number): Promise<void> {
	for (const [name, step] of STEPS) {
		try {
			const result = await step(env, now);
			log.info("lawful_housekeeping", { step: name, result: typeof result === "number" ? result : JSON.stringify(result) });
		} catch (err) {
			log.error("lawful_housekeeping_failed", { step: name, error: err });
		}
	}
}
