// GET /_lawful/v1/transparency/{period}: the half-year's report, signed with the provider key (compact JWS
// over its JCS text, typ lawful-transparency+jws; verify with GET /_lawful/v1/provider-keys).
// Design: LAWFUL_ACCESS.md "API" and "Transparency report".

import type { Endpoint } from "../../worker/http/endpoint";
import { AUDIT_LOG_NAME } from "../audit/audit-log-do";
import { type AuditEntry, jcs } from "../audit/entry";
import { signWithProviderKey } from "../keys/sign";
import { LaError } from "../order/la-errors";
import { laHandler } from "../order/la-handler";
import { buildTransparencyReport, parsePeriod } from "./report";

export const TRANSPARENCY_TYP = "lawful-transparency+jws";
const PAGE = 1000;

export const transparencyEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_lawful/v1/transparency/:period",
		auth: "none",
		rateLimit: { perSecond: 1, burst: 5 },
		handler: laHandler(async (c) => {
			const period = parsePeriod(c.req.param("period") ?? "");
			if (!period) throw new LaError("LA_NOT_FOUND", "periods are written YYYY-H1 or YYYY-H2");
			const now = Date.now();
			if (period.start > now) throw new LaError("LA_NOT_FOUND", "that period has not started");
			const stub = c.env.AUDIT_LOG.getByName(AUDIT_LOG_NAME);
			const head = await stub.head();
			const entries: AuditEntry[] = [];
			for (let after = 0; ; ) {
				const page = await stub.entriesBetween(period.start, period.end, after, PAGE);
				entries.push(...page);
				if (page.length < PAGE) break;
				after = page[page.length - 1]?.seq ?? after;
			}
			const report = buildTransparencyReport(c.get("config").serverName, period, entries, { size: head.seq, headHash: head.entry_hash }, now);
			const { jws, kid } = await signWithProviderKey(c.env, jcs(report), { typ: TRANSPARENCY_TYP, now });
			return c.json({ report, jws, kid });
		}),
	},
];
