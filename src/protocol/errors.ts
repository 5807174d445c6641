// One Matrix error type and one errcode → HTTP status table.
// Spec: https://spec.matrix.org/latest/client-server-api/#standard-error-response

/** Default HTTP status for each errcode we emit. Callers may override (e.g. 405 M_UNRECOGNIZED). */
export const ERRCODE_STATUS = {
	M_FORBIDDEN: 403,
	M_UNKNOWN_TOKEN: 401,
	M_MISSING_TOKEN: 401,
	M_USER_LOCKED: 401,
	M_USER_SUSPENDED: 403,
	M_BAD_JSON: 400,
	M_NOT_JSON: 400,
	M_NOT_FOUND: 404,
	M_LIMIT_EXCEEDED: 429,
	M_UNRECOGNIZED: 404,
	M_UNKNOWN: 400,
	M_UNAUTHORIZED: 401,
	M_USER_DEACTIVATED: 403,
	M_USER_IN_USE: 400,
	M_INVALID_USERNAME: 400,
	M_ROOM_IN_USE: 400,
	M_INVALID_ROOM_STATE: 400,
	M_THREEPID_IN_USE: 400,
	M_THREEPID_NOT_FOUND: 400,
	M_THREEPID_AUTH_FAILED: 401,
	M_THREEPID_DENIED: 403,
	M_SERVER_NOT_TRUSTED: 401,
	M_UNSUPPORTED_ROOM_VERSION: 400,
	M_INCOMPATIBLE_ROOM_VERSION: 400,
	M_BAD_STATE: 400,
	M_GUEST_ACCESS_FORBIDDEN: 403,
	M_CAPTCHA_NEEDED: 400,
	M_CAPTCHA_INVALID: 400,
	M_MISSING_PARAM: 400,
	M_INVALID_PARAM: 400,
	M_TOO_LARGE: 413,
	M_EXCLUSIVE: 400,
	M_RESOURCE_LIMIT_EXCEEDED: 403,
	M_CANNOT_LEAVE_SERVER_NOTICE_ROOM: 403,
	M_WEAK_PASSWORD: 400,
	M_UNABLE_TO_AUTHORISE_JOIN: 400,
	M_UNABLE_TO_GRANT_JOIN: 400,
	M_NOT_YET_UPLOADED: 504,
	M_CANNOT_OVERWRITE_MEDIA: 409,
	M_WRONG_ROOM_KEYS_VERSION: 403,
	M_UNKNOWN_POS: 400,
	M_INVALID_SIGNATURE: 400,
	M_PROFILE_TOO_LARGE: 400,
	M_KEY_TOO_LARGE: 400,
} as const satisfies Record<string, number>;

export type Errcode = keyof typeof ERRCODE_STATUS;

export type ErrorExtra = Record<string, unknown>;

/** The error every route throws. It renders itself as the spec's `{errcode, error, ...extra}` body. */
export class MatrixError extends Error {
	readonly errcode: Errcode;
	readonly status: number;
	readonly extra: ErrorExtra;

	constructor(errcode: Errcode, error: string, options: { status?: number; extra?: ErrorExtra } = {}) {
		super(error);
		this.name = "MatrixError";
		this.errcode = errcode;
		this.status = options.status ?? ERRCODE_STATUS[errcode];
		this.extra = options.extra ?? {};
	}

	toJSON(): Record<string, unknown> {
		return { ...this.extra, errcode: this.errcode, error: this.message };
	}

	/** Hono's error handler calls this (see hono-base: `err.getResponse()`). */
	getResponse(): Response {
		return new Response(JSON.stringify(this.toJSON()), {
			status: this.status,
			headers: { "content-type": "application/json" },
		});
	}
}

/** The result shape DO RPC methods return: thrown errors lose their fields across RPC. */
/** `extra` carries flat error fields (e.g. soft_logout); flat scalars, because RPC types cannot map `unknown`. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; errcode: Errcode; error: string; status?: number; extra?: Record<string, string | number | boolean> };

/** Turns an RPC result back into a value, or throws the MatrixError it carried. */
export function unwrapRpc<T>(result: RpcResult<T>): T {
	if (result.ok) return result.value;
	throw new MatrixError(result.errcode, result.error, {
		...(result.status === undefined ? {} : { status: result.status }),
		...(result.extra === undefined ? {} : { extra: result.extra }),
	});
}
