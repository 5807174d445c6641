// POST /_matrix/client/v3/users/{userId}/report: report a user to the server's administrators. Reports go
// to D1 (d1/user-reports.ts); only IDs and the reason are kept.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3usersuseridreport

import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { parseUserId } from "../../protocol/ids/user-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { getAccount } from "../d1/accounts";
import { insertUserReport } from "../d1/user-reports";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";

const MAX_REASON = 1000;

function reportBody(body: JsonObject): string | undefined {
	// `reason` is required ("May be blank").
	if (body.reason === undefined) throw new MatrixError("M_MISSING_PARAM", "reason is required");
	return typeof body.reason === "string" ? body.reason.slice(0, MAX_REASON) : undefined;
}

export const userReportEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/users/:userId/report",
		auth: "user",
		// Reports are rare; a tight limit keeps one account from flooding the administrators.
		rateLimit: { perSecond: 0.2, burst: 10 },
		handler: async (c) => {
			const userId = parseUserId(c.req.param("userId"));
			if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
			const reason = await readJsonBody(c, reportBody);
			// We only know our own users; a remote user has no account here to report (the spec's 404). The
			// spec lets servers hide existence with a 200, but user IDs are public through rooms anyway.
			const known = serverNameOf(userId) === c.get("config").serverName && (await getAccount(c.env.DB, userId)) !== null;
			if (!known) throw new MatrixError("M_NOT_FOUND", "The user was not found");
			await insertUserReport(c.env.DB, { reporter: c.get("user"), user_id: userId, reason, created_ts: Date.now() });
			return c.json({});
		},
	},
];
