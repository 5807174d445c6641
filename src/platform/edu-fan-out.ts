// Queues one EDU on the DestinationDO of each of several remote servers. Used for the ephemeral EDUs
// (m.presence, m.typing, m.receipt): a server we cannot queue for misses this update and sees the next
// one, so a failure is logged and never fails the caller.
// Spec: https://spec.matrix.org/latest/server-server-api/#edus

import { log } from "./log";

export interface OutboundEdu {
	edu_type: string;
	content: Record<string, unknown>;
}

/** `dedupeKey` names this one change, so a retried hand-off of it is queued once per destination. */
export async function enqueueEduFor(env: Pick<Env, "DESTINATION">, servers: readonly string[], edu: OutboundEdu, dedupeKey: string): Promise<void> {
	await Promise.all(
		servers.map(async (server) => {
			try {
				// Sent at once (sendNow): a typing notice or receipt is stale after a few seconds.
				const result = await env.DESTINATION.getByName(server).enqueueEdu(edu, dedupeKey, true);
				if (!result.ok) log.warn("edu_enqueue_failed", { edu_type: edu.edu_type, destination: server, errcode: result.errcode });
			} catch (err) {
				log.warn("edu_enqueue_failed", { edu_type: edu.edu_type, destination: server, error: err });
			}
		}),
	);
}
