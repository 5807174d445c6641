// POST /_lawful/v1/orders: an authority submits a signed order (LAWFUL_ACCESS.md "API").
// Auth "none" at the HTTP layer: the JWS itself authenticates, in validation steps 1-2. The body limit is the
// design's 1 MiB; anything larger is LA_MALFORMED (not Matrix's M_TOO_LARGE: /_lawful speaks LA_* only).

import { appendAudit } from "../audit/append";
import { MatrixError } from "../../protocol/errors";
import { readBodyBytes } from "../../platform/request-body";
import { laHandler } from "./la-handler";
import type { Endpoint } from "../../worker/http/endpoint";
import { trustEndpoints } from "../trust/routes";
import { LaError } from "./la-errors";
import { submitOrder } from "./submit";
import { MAX_ORDER_BYTES } from "./validate/01-parse";

const submitEndpoints: readonly Endpoint[] = [
	{
		method: "POST",
		path: "/_lawful/v1/orders",
		auth: "none",
		// Verification costs a signature check per request; authorities send few orders.
		rateLimit: { perSecond: 10, burst: 100 },
		maxBodyBytes: MAX_ORDER_BYTES,
		handler: laHandler(async (c) => {
			const now = Date.now();
			let bytes: Uint8Array;
			try {
				bytes = await readBodyBytes(c.req, MAX_ORDER_BYTES);
			} catch (e) {
				if (e instanceof MatrixError && e.errcode === "M_TOO_LARGE") {
					// Refused before any parsing; still audited like every other outcome.
					const error = new LaError("LA_MALFORMED", `the order is larger than ${MAX_ORDER_BYTES} bytes`);
					await appendAudit(c.env, { type: "order", action: "submitted", orderId: null, orderSha256: null, actor: "authority:unverified", reason: error.detail, legalProvision: null, issuer: null, result: error.code }, now);
					throw error;
				}
				throw e;
			}
			const result = await submitOrder(c.env, bytes, now);
			return c.json(result.body, result.status, { "cache-control": "no-store" });
		}),
	},
];

/** This part's routes for src/export/routes.ts: order submission and the operator's trust-store edits. */
export const orderEndpoints: readonly Endpoint[] = [...submitEndpoints, ...trustEndpoints];
