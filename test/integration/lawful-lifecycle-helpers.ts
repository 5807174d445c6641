// Helpers of the lifecycle tests: a real trust store and signed orders submitted through the real app,
// operators registered through the client API (the operator flag set as `npm run admin -- create-user
// --operator` sets it), and operator requests through the real app.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../../src/worker/app";
import { AUDIT_LOG_NAME } from "../../src/export/audit/audit-log-do";
import type { Order } from "../../src/export/order/types";
import { registerUser } from "./accounts-helpers";
import { type Signer, authority, baseOrder, envWithTrust, keyEntry, makeSigner, SERVER_NAME, signCompact, submit } from "./lawful-orders-helpers";

export const DAY = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();

export interface World {
	env: Env;
	signer: Signer;
	submitOrder: (edit?: (o: Order) => void) => Promise<string>;
}

let counter = 0;

export async function world(authorityId = "us-fbi"): Promise<World> {
	const signer = await makeSigner(`k-${++counter}-${crypto.randomUUID().slice(0, 8)}`);
	const e = envWithTrust({ authorities: [authority(authorityId, [keyEntry(signer)])] });
	return {
		env: e,
		signer,
		submitOrder: async (edit) => {
			const order = baseOrder(authorityId);
			edit?.(order);
			const res = await submit(e, await signCompact(order, signer));
			if (res.status !== 202) throw new Error(`order refused: ${res.text}`);
			return res.json.orderId as string;
		},
	};
}

export async function operator(name: string): Promise<{ userId: string; token: string }> {
	const r = await registerUser(name, "correct horse battery staple");
	await env.DB.prepare("UPDATE accounts SET is_operator = 1 WHERE user_id = ?1").bind(r.user_id).run();
	return { userId: r.user_id, token: r.access_token };
}

export async function lawful(e: Env, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const init: RequestInit = { method: body === undefined ? "GET" : "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } };
	if (body !== undefined) init.body = JSON.stringify(body);
	const res = await app.fetch(new Request(`http://localhost:8787${path}`, init), e, createExecutionContext());
	return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function statusOf(orderId: string): Promise<string | undefined> {
	return (await env.DB.prepare("SELECT status FROM lawful_orders WHERE order_id = ?1").bind(orderId).first<{ status: string }>())?.status;
}

export async function auditActions(orderId: string): Promise<string[]> {
	const entries = await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).entries(0, 10_000);
	return entries.filter((e) => e.orderId === orderId).map((e) => (e.result === "ok" ? e.action : `${e.action}:${e.result}`));
}

export { SERVER_NAME };

/** A request signed by the world's authority key (RFC 9421), as an authority's client sends it. */
export async function signedFetch(w: World, method: string, path: string, options: { nonce?: string; body?: string } = {}): Promise<Response> {
	const { exportJWK } = await import("jose");
	const { signAuthorityRequest } = await import("../../src/export/authority-auth/sign-request");
	const url = `http://localhost:8787${path}`;
	const { kty, crv, x, d } = await exportJWK(w.signer.privateKey);
	const jwk = { kty: kty!, crv: crv!, x: x!, d: d! };
	const nonce = options.nonce ?? crypto.randomUUID().replaceAll("-", "");
	const headers = await signAuthorityRequest(method, url, { kid: w.signer.kid, jwk }, { created: Date.now(), nonce });
	const init: RequestInit = { method, headers: { ...headers } };
	if (options.body !== undefined) init.body = options.body;
	return app.fetch(new Request(url, init), w.env, createExecutionContext());
}

/** A signed update (cancel, extend-ndo, renew-preservation) from the world's authority, over a signed request. */
export async function signedUpdate(w: World, id: string, payload: Record<string, unknown>): Promise<Response> {
	const { CompactSign } = await import("jose");
	const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ orderId: id, timestamp: iso(Date.now()), ...payload })))
		.setProtectedHeader({ alg: w.signer.alg, kid: w.signer.kid, typ: "lawful-update+jws" })
		.sign(w.signer.privateKey);
	return signedFetch(w, "POST", `/_lawful/v1/orders/${id}/updates`, { body: jws });
}
