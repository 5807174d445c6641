// data/readme.txt: a human summary of what was asked, what was produced (record counts per task and set,
// "no records" where there were none), and what could not be produced and why.
// Pure. Design: /work/shared/LAWFUL_ACCESS.md#package ("data/readme.txt").

import { CONTENT_NOTE, type Unavailable } from "../collect/plan";
import { IP_MATCH_TOLERANCE_MS } from "../collect/resolve-targets";
import type { RequestedTask } from "../job/types";
import type { ProducedCategory } from "./delivery";

export interface ReadmeInput {
	provider: string;
	orderId: string;
	caseReference: string;
	legalBasis: string;
	producedAt: number;
	requested: readonly RequestedTask[];
	produced: readonly ProducedCategory[];
	unavailable: readonly Unavailable[];
}

function windowText(window: RequestedTask["window"]): string {
	if (window === null) return "no time window (the account's records up to production)";
	return `${new Date(window.start).toISOString()} to ${new Date(window.end).toISOString()}`;
}

export function readmeTxt(input: ReadmeInput): string {
	const out: string[] = [
		"Evidence package (metadata only)",
		"",
		`Provider:        ${input.provider}`,
		`Order:           ${input.orderId}`,
		`Case reference:  ${input.caseReference}`,
		`Legal basis:     ${input.legalBasis}`,
		`Produced at:     ${new Date(input.producedAt).toISOString()}`,
		"",
		"What was asked",
	];
	for (const task of input.requested) {
		const subtypes = task.subtypes.length > 0 ? ` (${task.subtypes.join(", ")})` : "";
		out.push(`- ${task.ldid}: ${task.requestType}${subtypes} for ${task.target}, ${windowText(task.window)}`);
	}
	out.push("", "What was produced (data/records/<set>.ndjson, one JSON record per line, schema in data/schema/)");
	for (const task of input.requested) {
		const mine = input.produced.filter((p) => p.ldid === task.ldid);
		const total = mine.reduce((n, p) => n + p.records, 0);
		if (total === 0) {
			out.push(`- ${task.ldid}: no records`);
			continue;
		}
		out.push(`- ${task.ldid}: ${mine.filter((p) => p.records > 0).map((p) => `${p.records} ${p.recordSet}`).join(", ")}`);
		for (const empty of mine.filter((p) => p.records === 0)) out.push(`    ${empty.recordSet}: no records`);
	}
	out.push("", "What could not be produced, and why");
	for (const u of input.unavailable) out.push(`- ${u.ldid} ${u.category}: ${u.reason}`);
	out.push(`- All tasks, content: ${CONTENT_NOTE}`);
	out.push(
		"- All tasks, retention: session IP records (and the IP → account index that IP targets are resolved through) older than the server's retention period, metadata of media that no longer exists, the e-mail/phone 3PIDs of deactivated accounts, and the profiles of accounts deactivated with erasure are purged unless a preservation hold named the account; purged records cannot be produced.",
		`- IP targets: an account matches when one of its devices was recorded using the address within ${IP_MATCH_TOLERANCE_MS / 60_000} minutes of observedTime (uses are recorded at most once a minute); e-mail and phone targets match the operator-verified 3PIDs of accounts.`,
		"- All tasks, device keys: Curve25519 identity keys are withheld because they appear as the sender key of encrypted messages; each device's Ed25519 key identifies it.",
		"",
		"Verification: delivery.jws is a detached JWS by the provider key over tagmanifest-sha256.txt; the provider's",
		"public keys are published at /_lawful/v1/provider-keys. `npm run lawful -- verify-package FILE` checks it offline.",
		"",
	);
	return out.join("\n");
}
