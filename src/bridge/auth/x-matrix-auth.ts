// Server auth for federation endpoints: verifies the X-Matrix Authorization header(s) of a request
// and sets `origin` on the context. Spec: https://spec.matrix.org/latest/server-server-api/#request-authentication

import type { MiddlewareHandler } from "hono";
import { MatrixError } from "../../protocol/errors";
import { isEd25519KeyId, isValidServerName } from "../../protocol/federation/server-name";
import { parseXMatrixHeaders, verifyRequest } from "../../protocol/federation/x-matrix";
import type { AppEnv } from "../../worker/http/context";
import { keyRingFor } from "../keys/key-ring";
import { readRequestJson } from "./request-body";

/** Each credential may cost a key fetch; a sender with one key per header never needs more. */
const MAX_CREDENTIALS = 4;

function unauthorized(message: string): MatrixError {
	return new MatrixError("M_UNAUTHORIZED", message);
}

/**
 * Accepts the request when any one of its X-Matrix credentials verifies: its `destination`
 * (if given) is us, its `origin` is a valid server name, and its signature over method, URI,
 * origin, destination and body checks out with a current key of the origin. Everything else is
 * 401 M_UNAUTHORIZED. The body is read once, through Hono's body cache, so the handler can still
 * call `c.req.json()` / `c.req.text()` / `c.req.arrayBuffer()` (not `c.req.raw.*`).
 * The Authorization header is never logged or echoed.
 */
export const authenticateServer: MiddlewareHandler<AppEnv> = async (c, next) => {
	const config = c.get("config");
	const header = c.req.header("authorization");
	if (header === undefined) throw unauthorized("Missing Authorization header");
	const credentials = parseXMatrixHeaders(header);
	if (credentials.length === 0) throw unauthorized("Malformed X-Matrix Authorization header");

	// "If this property is included, but the value does not match the receiving server's name, the
	// receiving server must deny the request with an HTTP status code 401 Unauthorized."
	const candidates = credentials
		.filter((auth) => (auth.destination === undefined || auth.destination === config.serverName) && isValidServerName(auth.origin) && isEd25519KeyId(auth.key))
		.slice(0, MAX_CREDENTIALS);
	if (candidates.length === 0) throw unauthorized("No X-Matrix credential for this server");

	const content = await readRequestJson(c);
	const url = new URL(c.req.url);
	const request = {
		method: c.req.method,
		// The request target as sent: path and query, without scheme and host. Workers hands us the
		// URL already parsed, so a sender that put raw characters the URL parser percent-encodes
		// (space, `"`, `<`, `>`, `{`, `}`) into its path would not verify; conforming senders encode them.
		uri: url.pathname + url.search,
		...(content === undefined ? {} : { content }),
	};
	const keyRing = keyRingFor(c.env, config);
	const now = Date.now();
	for (const auth of candidates) {
		// Requests must be signed with a key valid now; old_verify_keys only ever sign events.
		const key = await keyRing.getServerVerifyKey(auth.origin, auth.key, now);
		if (!key || key.expiredTs !== null) continue;
		// Pre-v1.3 senders omit `destination` from the header but still signed it as us.
		const destination = auth.destination ?? config.serverName;
		if (await verifyRequest(key.publicKey, auth, { ...request, destination })) {
			c.set("origin", auth.origin);
			return next();
		}
	}
	throw unauthorized("X-Matrix signature did not verify");
};
