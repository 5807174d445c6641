// The lawful-access error: one `LaError(code, detail, pointer?)` and the one code → status table.
// Design: LAWFUL_ACCESS.md "Validation (fail fast, audit every outcome)"; shared decisions in docs/lawful-access.md.
// Every /_lawful route throws LaError; it renders `{"code":"LA_…","detail":"…","pointer":"…"}` itself, so
// Hono's default error handler (which calls getResponse()) answers with the right status. No Matrix errors here.

/** Status of each code. Steps 1–12 are the design's validation codes, in its order; the rest serve the other routes. */
export const LA_ERROR_STATUS = {
	// 1. size, JWS parse, alg, kid
	LA_MALFORMED: 400,
	LA_ALG_NOT_ALLOWED: 400,
	LA_KEY_UNKNOWN: 401,
	// 2. signatures and key status at `timestamp`
	LA_SIG_INVALID: 401,
	LA_KEY_REVOKED: 401,
	LA_KEY_NOT_VALID_AT_TIME: 401,
	// 3. schema (pointer = first error)
	LA_SCHEMA: 400,
	// 4. receiver
	LA_WRONG_RECIPIENT: 403,
	// 5. freshness and single use
	LA_STALE: 403,
	LA_NOT_YET_VALID: 403,
	LA_EXPIRED: 403,
	LA_REPLAY: 409,
	// 6. authority × regime × legal basis
	LA_AUTHORITY_NOT_ALLOWED: 403,
	LA_LEGAL_BASIS_NOT_ALLOWED: 403,
	// 7. approvals and the validating authority's signature
	LA_APPROVAL_MISSING: 403,
	LA_VALIDATING_SIGNATURE_MISSING: 403,
	// 8. category vs legal basis; content is never provided
	LA_CATEGORY_NOT_PERMITTED: 403,
	LA_CONTENT_NOT_PROVIDED: 403,
	// 9. specific targets
	LA_TARGET_NOT_SPECIFIC: 400,
	LA_TOO_MANY_TARGETS: 400,
	LA_TARGET_FORMAT: 400,
	// 10. locality (the server name only: never whether the account exists)
	LA_TARGET_NOT_LOCAL: 403,
	// 11. window
	LA_WINDOW_REQUIRED: 400,
	LA_WINDOW_INVALID: 400,
	LA_WINDOW_TOO_LARGE: 400,
	// 12. non-disclosure
	LA_NDO_INVALID: 400,

	// Beyond order validation: authority requests, operator work, delivery (other parts of issue 5).
	/** Authority request without a valid RFC 9421 signature (missing, bad, expired, unknown key). */
	LA_UNAUTHENTICATED: 401,
	/** An authority request's nonce was used before. */
	LA_NONCE_REPLAY: 409,
	/** The caller is authenticated but may not do this (not an operator, not the order's issuer). */
	LA_FORBIDDEN: 403,
	/** No such order, delivery or period (also for ones the caller may not see, so nothing leaks). */
	LA_NOT_FOUND: 404,
	/** The order's current status does not allow this transition. */
	LA_INVALID_STATE: 409,
	/** The two-person rule: the same operator cannot approve twice. */
	LA_SAME_OPERATOR: 403,
	/** Narrowing may only remove scope, never add to it. */
	LA_SCOPE_WIDENING: 400,
	/** A request body (other than an order) that is not what the endpoint takes. */
	LA_BAD_REQUEST: 400,
	/** A one-time delivery already retrieved, expired or deleted. */
	LA_GONE: 410,
	/** The server could not complete the step; nothing was disclosed. */
	LA_INTERNAL: 500,
} as const satisfies Record<string, number>;

export type LaCode = keyof typeof LA_ERROR_STATUS;

export const LA_CODES: readonly LaCode[] = Object.keys(LA_ERROR_STATUS) as LaCode[];

/** The body every LA error has on the wire. `pointer` is an RFC 6901 JSON Pointer into the order, when one applies. */
export interface LaErrorBody {
	code: LaCode;
	detail: string;
	pointer?: string;
}

export class LaError extends Error {
	readonly code: LaCode;
	readonly detail: string;
	readonly pointer: string | undefined;
	readonly status: number;

	constructor(code: LaCode, detail: string, pointer?: string) {
		super(`${code}: ${detail}`);
		this.name = "LaError";
		this.code = code;
		this.detail = detail;
		this.pointer = pointer;
		this.status = LA_ERROR_STATUS[code];
	}

	toJSON(): LaErrorBody {
		return this.pointer === undefined
			? { code: this.code, detail: this.detail }
			: { code: this.code, detail: this.detail, pointer: this.pointer };
	}

	/** Hono's error handler calls this (hono-base: `err.getResponse()`). */
	getResponse(): Response {
		return laErrorResponse(this);
	}
}

export function isLaCode(value: string): value is LaCode {
	return Object.hasOwn(LA_ERROR_STATUS, value);
}

/** The HTTP response for an LaError. `no-store`: refusals are about one order and must not be cached. */
export function laErrorResponse(error: LaError): Response {
	return new Response(JSON.stringify(error.toJSON()), {
		status: error.status,
		headers: { "content-type": "application/json", "cache-control": "no-store" },
	});
}
