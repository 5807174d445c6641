// Operator management of the trust store (LAWFUL_ACCESS.md "Trust store": operator-managed, versioned):
//   GET /_lawful/v1/admin/trust  → the store in force and its version
//   PUT /_lawful/v1/admin/trust  {store, reason} → a new version (audited)
// A PUT replaces the whole store (the CLI's `trust import` and `revoke-key` read, edit and PUT). It may not
// un-revoke a key: revocation is final, so a compromised key can never be brought back by an edit.

import { appendAudit } from "../audit/append";
import { laHandler } from "../order/la-handler";
import type { Endpoint } from "../../worker/http/endpoint";
import { readBodyBytes } from "../../platform/request-body";
import { LaError } from "../order/la-errors";
import { loadEffectiveTrust, saveTrustVersion } from "./effective";
import { parseTrustStore, type TrustStore } from "./schema";

const MAX_TRUST_BYTES = 1024 * 1024;

function parseBody(bytes: Uint8Array): { store: TrustStore; reason: string } {
	let body: unknown;
	try {
		body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
	} catch {
		throw new LaError("LA_BAD_REQUEST", "the body is not JSON");
	}
	if (typeof body !== "object" || body === null || !("store" in body) || !("reason" in body) || typeof body.reason !== "string" || body.reason.trim() === "") {
		throw new LaError("LA_BAD_REQUEST", "the body is {\"store\": <trust store>, \"reason\": \"why\"}");
	}
	const parsed = parseTrustStore(body.store);
	if (!parsed.ok) throw new LaError("LA_BAD_REQUEST", `trust store: ${parsed.message}`, `/store${parsed.pointer}`);
	return { store: parsed.store, reason: body.reason };
}

export const trustEndpoints: readonly Endpoint[] = [
	{
		method: "GET",
		path: "/_lawful/v1/admin/trust",
		auth: "operator",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: laHandler(async (c) => {
			const { store, version } = await loadEffectiveTrust(c.env);
			return c.json({ version, store }, 200, { "cache-control": "no-store" });
		}),
	},
	{
		method: "PUT",
		path: "/_lawful/v1/admin/trust",
		auth: "operator",
		rateLimit: { perSecond: 1, burst: 10 },
		maxBodyBytes: MAX_TRUST_BYTES,
		handler: laHandler(async (c) => {
			const now = Date.now();
			const { store, reason } = parseBody(await readBodyBytes(c.req, MAX_TRUST_BYTES));
			const current = await loadEffectiveTrust(c.env);
			const revoked = new Set(current.store.authorities.flatMap((a) => a.keys.filter((k) => k.status === "revoked").map((k) => k.kid)));
			const resurrected = store.authorities.flatMap((a) => a.keys).find((k) => revoked.has(k.kid) && k.status !== "revoked");
			if (resurrected) throw new LaError("LA_BAD_REQUEST", `key ${resurrected.kid} was revoked; revocation is final (add a new key with a new kid)`);
			const actor = `operator:${c.get("user")}`;
			const newlyRevoked = store.authorities.flatMap((a) => a.keys).filter((k) => k.status === "revoked" && !revoked.has(k.kid)).map((k) => k.kid);
			const action = newlyRevoked.length > 0 ? "key-revoked" : "imported";
			const detail = newlyRevoked.length > 0 ? `${reason} (revoked: ${newlyRevoked.join(", ")})` : reason;
			await appendAudit(c.env, { type: "trust", action, orderId: null, orderSha256: null, actor, reason: detail, legalProvision: null, issuer: null, result: "ok" }, now);
			const version = await saveTrustVersion(c.env, store, actor, reason, now);
			return c.json({ version }, 200, { "cache-control": "no-store" });
		}),
	},
];
