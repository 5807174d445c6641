// The worker's entry: HTTP through the Hono app, queue batches and cron ticks, and the Durable Object classes.
// Runtime API: https://developers.cloudflare.com/workers/runtime-apis/handlers/

import { app } from "./app";
import { getConfig } from "../platform/config";
import { configureLogging, log } from "../platform/log";
import { consumeFederationPdu, FEDERATION_PDU_KIND } from "../bridge/outbound/hand-off";
import { consumeExportJob } from "../export/job/consumer";
import { runLawfulHousekeeping } from "../export/lifecycle/housekeeping";

export { RoomDO } from "./room/room-do";
export { UserDO } from "./user/user-do";
export { DestinationDO } from "../bridge/outbound/destination-do";
export { AuditLogDO } from "../export/audit/audit-log-do";

/** A queue consumer for one message kind. Delivery is at-least-once, so each must be idempotent. */
type QueueConsumer = (body: unknown, env: Env) => Promise<void>;

/** Consumers by `kind` of the message body. The federation, poke and export issues register theirs here. */
const QUEUE_CONSUMERS: Readonly<Record<string, QueueConsumer>> = {
	[FEDERATION_PDU_KIND]: consumeFederationPdu,
	lawful_export: consumeExportJob,
};

function kindOf(body: unknown): string | undefined {
	if (typeof body !== "object" || body === null || !("kind" in body)) return undefined;
	return typeof body.kind === "string" ? body.kind : undefined;
}

async function queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
	configureLogging(getConfig(env).logLevel);
	for (const message of batch.messages) {
		const kind = kindOf(message.body);
		const consumer = kind === undefined ? undefined : QUEUE_CONSUMERS[kind];
		if (!consumer) {
			// Retrying cannot help a message nobody consumes; it is logged (never its body) and dropped.
			log.warn("queue_message_unhandled", { queue: batch.queue, message_id: message.id, kind: kind ?? null });
			message.ack();
			continue;
		}
		try {
			await consumer(message.body, env);
			message.ack();
		} catch (err) {
			log.error("queue_message_failed", { queue: batch.queue, message_id: message.id, kind, attempts: message.attempts, error: err });
			message.retry();
		}
	}
}

async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
	configureLogging(getConfig(env).logLevel);
	// Housekeeping jobs (purges, key refresh) hang here as their issues land; until then the tick is only logged.
	log.info("scheduled_tick", { cron: controller.cron, jobs: 1 });
	await runLawfulHousekeeping(env, controller.scheduledTime);
}

export default {
	fetch: app.fetch,
	queue,
	scheduled,
} satisfies ExportedHandler<Env>;
