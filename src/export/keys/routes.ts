// Provider-key routes: the public JWKS (current and past keys with validity) and an operator rotation of a
// locally generated key. Design: LAWFUL_ACCESS.md "API" → `GET /_lawful/v1/provider-keys`.

import type { Endpoint } from "../../worker/http/endpoint";
import { appendAudit } from "../audit/append";
import { LaError } from "../order/la-errors";
import { laHandler } from "../order/la-handler";
import { buildJwks } from "./jwks";
import { listProviderKeys, rotateProviderKey } from "./provider-key";

export const providerKeyEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_lawful/v1/provider-keys",
		auth: "none",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: laHandler(async (c) => {
			const jwks = buildJwks(await listProviderKeys(c.env.DB, c.get("config"), Date.now()));
			c.header("cache-control", "public, max-age=300");
			c.header("content-type", "application/jwk-set+json");
			return c.body(JSON.stringify(jwks));
		}),
	},
	{
		method: "POST",
		path: "/_lawful/v1/admin/provider-keys/rotate",
		auth: "operator",
		rateLimit: { perSecond: 0.1, burst: 2 },
		handler: laHandler(async (c) => {
			const now = Date.now();
			let rotated: { retired: string | null; current: string };
			try {
				rotated = await rotateProviderKey(c.env.DB, c.get("config"), now);
			} catch (e) {
				throw new LaError("LA_INVALID_STATE", e instanceof Error ? e.message : "cannot rotate the provider key");
			}
			await appendAudit(c.env, {
				type: "key",
				action: "provider-key-rotated",
				orderId: null,
				orderSha256: null,
				actor: `operator:${c.get("user")}`,
				reason: `retired ${rotated.retired ?? "none"}, current ${rotated.current}`,
				legalProvision: null,
				issuer: null,
				result: "ok",
			}, now);
			return c.json(rotated);
		}),
	},
];
