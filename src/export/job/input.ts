// The frozen input of a production job: the approved LD tasks as asked (for the readme and delivery.json),
// the collection plan, and the order's exact JWS with its hash. Fixed when production starts, so nothing
// that changes later can alter what is produced. Design: /work/shared/LAWFUL_ACCESS.md#package

import { sha256Hex } from "../audit/entry";
import { planProduction, type ProductionPolicy } from "../collect/plan";
import type { ResolvedTargets } from "../collect/resolve-targets";
import type { RecipientKey, ScopeTask, Target } from "../order/types";
import type { ProductionInput, RequestedTask } from "./types";

function targetText(target: Target): string {
	switch (target.format) {
		case "ServiceAccessIdentifier":
			return `${target.format} ${target.userId}`;
		case "MatrixDeviceId":
			return `${target.format} ${target.userId}/${target.deviceId}`;
		case "InternationalizedEmailAddress":
			return `${target.format} ${target.address}`;
		case "InternationalE164":
			return `${target.format} ${target.msisdn}`;
		default:
			return `${target.format} ${target.address} observed ${new Date(target.observedTime).toISOString()}`;
	}
}

/**
 * The frozen job input for an order's approved LD tasks. Pure apart from hashing. Frozen with the plan:
 * `resolved`, the accounts the IP/3PID targets were resolved to at this moment (collect/resolve-targets.ts),
 * and `policy`, what the provider's configuration allowed then (grey data).
 */
export async function productionInput(
	orderId: string,
	order: { authorisationReference: string; legalBasis: string; recipientKey?: RecipientKey | null },
	orderJws: string,
	scope: readonly ScopeTask[],
	serverName: string,
	startedAt: number,
	frozen: { resolved?: ResolvedTargets; policy?: ProductionPolicy } = {},
): Promise<ProductionInput> {
	const ld = scope.filter((t) => t.kind === "LD");
	const requested: RequestedTask[] = ld.map((t) => ({ ldid: t.ldid, requestType: t.requestType, subtypes: t.subtypes, target: targetText(t.target), window: t.window }));
	return {
		orderId,
		caseReference: order.authorisationReference,
		legalBasis: order.legalBasis,
		orderJws,
		orderSha256: await sha256Hex(orderJws),
		requested,
		plan: planProduction(ld, serverName, startedAt, frozen.resolved, frozen.policy),
		startedAt,
		recipientKey: order.recipientKey ?? null,
	};
}
