// The `authority` auth kind: an RFC 9421 signature by a pinned trust-store key, its nonce used once.
// Sets `authority` ({authorityId, kid}) on the context. Refusals that name a pinned key (bad signature,
// revoked or out-of-validity key, replayed nonce) are audited; anonymous garbage is not, so the log
// cannot be flooded by strangers. Design: LAWFUL_ACCESS.md "Delivery"; issue 5 interfaces.

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../worker/http/context";
import { appendAudit } from "../audit/append";
import { LaError, laErrorResponse } from "../order/la-errors";
import { loadEffectiveTrust } from "../trust/effective";
import { findKey, keyUsableAt } from "../trust/lookup";
import { useNonce } from "./nonce-store";
import { type AuthorityKeyInfo, verifyAuthorityRequest } from "./verify-request";

const AUDITED_REFUSALS = new Set(["LA_SIG_INVALID", "LA_KEY_REVOKED", "LA_KEY_NOT_VALID_AT_TIME", "LA_NONCE_REPLAY"]);

export const authenticateAuthority: MiddlewareHandler<AppEnv> = async (c, next) => {
	const now = Date.now();
	const { store } = await loadEffectiveTrust(c.env);
	let named: AuthorityKeyInfo & { kid: string } | undefined;
	const lookup = (kid: string): AuthorityKeyInfo | undefined => {
		const pinned = findKey(store, kid);
		if (!pinned) return undefined;
		named = { kid, authorityId: pinned.authority.id, jwk: pinned.key.jwk, usability: keyUsableAt(pinned.key, now) };
		return named;
	};
	try {
		const identity = await verifyAuthorityRequest({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers }, lookup, now);
		if (!(await useNonce(c.env.DB, identity.kid, identity.nonce, identity.expiresMs, now))) {
			throw new LaError("LA_NONCE_REPLAY", "this nonce was used before");
		}
		c.set("authority", { authorityId: identity.authorityId, kid: identity.kid });
	} catch (e) {
		if (e instanceof LaError && named && AUDITED_REFUSALS.has(e.code)) {
			await appendAudit(
				c.env,
				{
					type: "access",
					action: "authority-request-refused",
					orderId: null,
					orderSha256: null,
					actor: `authority:${named.authorityId}/${named.kid}`,
					reason: `${c.req.method} ${new URL(c.req.url).pathname}: ${e.detail}`,
					legalProvision: null,
					issuer: named.authorityId,
					result: e.code,
				},
				now,
			);
		}
		// The app's error handler renders only Matrix errors; /_lawful answers LA_* bodies.
		if (e instanceof LaError) return laErrorResponse(e);
		throw e;
	}
	await next();
};
