// The outbound federation surface other parts use (the worker's client routes, the DestinationDO):
// typed results, never a remote server's error to pass on. Spec: https://spec.matrix.org/latest/server-server-api/
// ARCHITECTURE.md: client routes that need federation use a `FederationPort` placed on the Hono context.

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

/** Why a request produced no usable answer. None of these is shown to a client as the remote's words. */
export type FederationFailureKind =
	| "refused" // our own policy: unresolvable, private or loopback destination, or ourselves
	| "unreachable" // connection or TLS failure
	| "timeout"
	| "redirect" // federation endpoints never redirect; following one could lead anywhere
	| "too_large"
	| "bad_response" // not JSON where JSON was due
	| "http"; // the remote answered with a non-2xx status

export interface FederationFailure {
	ok: false;
	kind: FederationFailureKind;
	/** Present for `http`: the remote's status. */
	status?: number;
	/**
	 * The remote's errcode, for our own decisions only (say, M_FORBIDDEN ends a retry loop). Callers map
	 * failures to their own errors; the remote's text is never kept, so it cannot leak to a client.
	 */
	remoteErrcode?: string;
	/** A short reason for logs. */
	reason: string;
}

export interface FederationSuccess {
	ok: true;
	status: number;
	/** The parsed JSON body. Untrusted: callers validate its shape. */
	body: unknown;
}

export type FederationResult = FederationSuccess | FederationFailure;

/** A request body given as the exact JSON text to send (transactions carry PDUs byte for byte). */
export class RawJson {
	constructor(readonly text: string) {}
}

export interface FederationRequestOptions {
	/** Defaults to 30 s. */
	timeoutMs?: number;
	/** Defaults to 8 MiB. */
	maxResponseBytes?: number;
}

/** What the worker's client routes call (remote keys, joins, profiles); one per request context. */
export interface FederationPort {
	request(destination: string, method: HttpMethod, path: string, body?: unknown, options?: FederationRequestOptions): Promise<FederationResult>;
}
