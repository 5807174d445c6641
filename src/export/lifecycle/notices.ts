// User notices after disclosure or preservation: scheduled at once, or for the end of a non-disclosure
// order; the hourly job sends those due. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("User notification":
// "A non-disclosure order delays it until `until`, and a scheduled job sends it then").

import type { ScopeTask } from "../order/types";
import { dueNotices, markNoticeSent, ndoExtension, type NoticeReason, scheduleNotice } from "../store/notices";
import { getOrderRecord, type OrderRecord } from "../store/order-status";
import { targetUser } from "./holds";
import { sendServerNotice } from "./server-notice";
import { auditOrderEvent } from "./state-machine";

/** Plain words for the account holder: what happened and on what basis; never what was disclosed in detail. */
export function noticeText(record: OrderRecord, reason: NoticeReason): string {
	const o = record.order;
	const what =
		reason === "disclosure"
			? "we disclosed account metadata (not message content, which we cannot read) about your account"
			: "we were required to preserve account metadata (not message content) about your account for a limited time";
	return `Lawful-access notice: under a legal order (${o.legalBasis}, ${o.jurisdiction}, reference ${o.authorisationReference}) ${what}. This notice is sent as soon as the law allows.`;
}

/**
 * `resolvedUsers`: accounts an IP or e-mail/phone target was resolved to when production started (the job's
 * frozen plan) or when a preservation hold was created (the hold's accounts); their holders are notified like
 * a named target's.
 */
export async function scheduleNotices(
	env: Pick<Env, "DB" | "AUDIT_LOG">,
	record: OrderRecord,
	scope: readonly ScopeTask[],
	reason: NoticeReason,
	now: number,
	resolvedUsers: readonly string[] = [],
): Promise<number> {
	const kind = reason === "disclosure" ? "LD" : "LP";
	const users = new Set([...scope.filter((t) => t.kind === kind).flatMap((t) => targetUser(t.target) ?? []), ...resolvedUsers]);
	const ndo = record.order.nonDisclosure;
	const until = Math.max(ndo?.until ?? 0, (await ndoExtension(env.DB, record.orderId)) ?? 0);
	const due = until > now ? until : now;
	let scheduled = 0;
	for (const user of users) if (await scheduleNotice(env.DB, { order_id: record.orderId, target_user: user, reason, due_ts: due })) scheduled++;
	if (scheduled > 0) {
		const delayed = due > now;
		await auditOrderEvent(
			env,
			record,
			{ type: "notice", action: delayed ? "delayed" : "scheduled", actor: "system:lifecycle", reason: delayed ? `${scheduled} ${reason} notice(s) held until ${new Date(due).toISOString()} (${ndo?.legalProvision})` : `${scheduled} ${reason} notice(s)` },
			now,
		);
	}
	return scheduled;
}

/** The job: sends every notice now due. A failed send stays due and is retried next hour. */
export async function sendDueNotices(env: Env, now: number): Promise<number> {
	let sent = 0;
	for (const notice of await dueNotices(env.DB, now)) {
		const record = await getOrderRecord(env.DB, notice.order_id);
		if (record === null) continue;
		const roomId = await sendServerNotice(env, notice.target_user, noticeText(record, notice.reason), now);
		if (await markNoticeSent(env.DB, notice, roomId, now)) {
			await auditOrderEvent(env, record, { type: "notice", action: "sent", actor: "system:notices", reason: `${notice.reason} notice` }, now);
			sent++;
		}
	}
	return sent;
}
