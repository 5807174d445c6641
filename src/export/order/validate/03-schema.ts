// Step 3: "Schema: LA_SCHEMA 400 (with the JSON Pointer of the first error)" (LAWFUL_ACCESS.md "Validation").
// First the format rule "the payload is the RFC 8785 (JCS) canonical form": signed bytes that are not
// canonical are LA_MALFORMED, because the order's SHA-256 and the audit log rely on one byte form per order.

import canonicalize from "canonicalize";
import * as v from "valibot";
import { issuePointer } from "../../trust/schema";
import { LaError } from "../la-errors";
import { OrderSchema } from "../schema";
import type { CheckedOrder, ParsedJws } from "./context";
import { ms } from "./context";

export function checkSchema(jws: ParsedJws): CheckedOrder {
	if (canonicalize(jws.payload) !== jws.payloadText) {
		throw new LaError("LA_MALFORMED", "the payload is not in RFC 8785 (JCS) canonical form");
	}
	const result = v.safeParse(OrderSchema, jws.payload);
	if (!result.success) {
		const issue = result.issues[0];
		throw new LaError("LA_SCHEMA", issue.message, issuePointer(issue));
	}
	const order = result.output;
	return { jws, order, timestamp: ms(order.header.timestamp) };
}
