// What the validation steps share: the lookups and facts the shell passes in (time, trust store, our server
// name, the replay guard), and the intermediate results one step hands the next.
// Design: LAWFUL_ACCESS.md "Validation". Everything here is data or an injected function: no I/O of our own.

import type { TrustStore } from "../../trust/schema";
import type { PinnedKey } from "../../trust/lookup";
import type { Order } from "../types";

export interface ValidationDeps {
	/** Epoch ms, from the shell's clock. */
	now: number;
	/** Our SERVER_NAME: the expected receiver and the only local server name. */
	serverName: string;
	trust: TrustStore;
	/** The stored use of a transaction ID by this sender (step 5's single-use rule), or null. */
	findTransaction(sender: string, transactionId: string): Promise<{ orderId: string; sha256: string } | null>;
}

/** One signature of the JWS, as parsed in step 1. */
export interface JwsSignature {
	protectedB64: string;
	signatureB64: string;
	alg: "EdDSA" | "ES256";
	kid: string;
	pinned: PinnedKey;
}

/** Step 1's output. */
export interface ParsedJws {
	payloadB64: string;
	payloadText: string;
	/** JSON.parse(payloadText), an object; its shape is checked only in step 3. */
	payload: Record<string, unknown>;
	signatures: JwsSignature[];
}

/** After step 3 the order has its schema shape. */
export interface CheckedOrder {
	jws: ParsedJws;
	order: Order;
	timestamp: number;
}

/** Epoch ms of an RFC 3339 time the schema already accepted. */
export function ms(time: string): number {
	return Date.parse(time);
}
