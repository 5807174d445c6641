// GET /.well-known/matrix/support: how to reach the server's administrators (SUPPORT_CONTACT_EMAIL,
// SUPPORT_PAGE). With neither configured there is no support information: the spec's 404.
// Spec: https://spec.matrix.org/latest/client-server-api/#getwell-knownmatrixsupport

import { MatrixError } from "../../protocol/errors";
import type { Endpoint } from "../http/endpoint";

export const supportEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/.well-known/matrix/support",
		auth: "none",
		rateLimit: null,
		handler: (c) => {
			const { supportContactEmail, supportPage } = c.get("config");
			if (supportContactEmail === undefined && supportPage === undefined) throw new MatrixError("M_NOT_FOUND", "No support information available");
			return c.json({
				// "At least one of contacts or support_page is required. If only contacts is set, it must contain at least one item."
				...(supportContactEmail === undefined ? {} : { contacts: [{ email_address: supportContactEmail, role: "m.role.admin" }] }),
				...(supportPage === undefined ? {} : { support_page: supportPage }),
			});
		},
	},
];
