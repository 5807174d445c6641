// Helpers of the lawful order tests: real keys (jose), a real trust store, orders built and signed the way an
// authority does (JCS payload, compact or JSON General JWS), and submission through the real app.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import canonicalize from "canonicalize";
import { CompactSign, exportJWK, GeneralSign, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { app } from "../../src/worker/app";
import type { Order } from "../../src/export/order/types";

export const SERVER_NAME = env.SERVER_NAME;
export const TYP = "lawful-order+jws";

export interface Signer {
	kid: string;
	alg: "EdDSA" | "ES256";
	privateKey: CryptoKey;
	publicJwk: JWK;
}

export async function makeSigner(kid: string, alg: "EdDSA" | "ES256" = "EdDSA"): Promise<Signer> {
	const { privateKey, publicKey } = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : "ES256", { extractable: true });
	return { kid, alg, privateKey, publicJwk: await exportJWK(publicKey) };
}

const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

export function keyEntry(s: Signer, overrides: Record<string, unknown> = {}) {
	return { kid: s.kid, jwk: s.publicJwk, notBefore: iso(Date.now() - 30 * DAY), notAfter: iso(Date.now() + 365 * DAY), status: "active", ...overrides };
}

export function authority(id: string, keys: object[], overrides: Record<string, unknown> = {}) {
	return {
		id,
		name: `Authority ${id}`,
		country: "US",
		regimes: ["US-SCA"],
		allowedLegalBases: ["US-18USC2703d", "US-18USC2703c2", "US-18USC2703a", "US-18USC2703f"],
		allowedRequestTypes: ["SubscriberData", "UserIdentifyingData", "TrafficData", "StoredContentData"],
		maxTargetsPerOrder: 3,
		maxWindowDays: 180,
		maxOrderLifetimeDays: 30,
		verificationContact: { name: "Duty officer", phone: "+12025550100" },
		keys,
		...overrides,
	};
}

/** A valid order for `target` (a local MXID by default) from `sender`. */
export function baseOrder(sender: string, now = Date.now(), target = `@alice:${SERVER_NAME}`): Order {
	return {
		header: {
			senderIdentifier: { countryCode: "US", uniqueIdentifier: sender },
			receiverIdentifier: { countryCode: "XX", uniqueIdentifier: SERVER_NAME },
			transactionIdentifier: crypto.randomUUID(),
			timestamp: iso(now),
		},
		authorisation: {
			authorisationReference: "CASE-2026-0042",
			legalBasis: "US-18USC2703d",
			jurisdiction: "US",
			timespan: { startTime: iso(now - DAY), endTime: iso(now + 10 * DAY) },
			approvalDetails: [{ approverName: "Hon. J. Doe", approverRole: "Magistrate Judge", approvalTimestamp: iso(now - 3600_000) }],
		},
		tasks: [
			{
				kind: "LD",
				reference: "LDID-1",
				requestDetails: {
					type: "TrafficData",
					startTime: iso(now - 30 * DAY),
					endTime: iso(now - DAY),
					requestValues: [{ formatType: "ServiceAccessIdentifier", value: target }],
				},
			},
		],
	};
}

function payloadOf(order: unknown): Uint8Array {
	const text = canonicalize(order);
	if (text === undefined) throw new Error("order has no canonical form");
	return new TextEncoder().encode(text);
}

export async function signCompact(order: unknown, s: Signer, header: Record<string, unknown> = {}, payload = payloadOf(order)): Promise<string> {
	return new CompactSign(payload).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: TYP, ...header }).sign(s.privateKey);
}

export async function signGeneral(order: unknown, signers: Signer[]): Promise<string> {
	const sign = new GeneralSign(payloadOf(order));
	for (const s of signers) sign.addSignature(s.privateKey).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: TYP });
	return JSON.stringify(await sign.sign());
}

/** The worker env with a deployment trust store (LAWFUL_TRUST_STORE), as `npm start` would pass it. */
export function envWithTrust(store: object): Env {
	return Object.assign({}, env, { LAWFUL_TRUST_STORE: JSON.stringify(store) });
}

export async function submit(e: Env, body: string | Uint8Array): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
	const res = await app.fetch(new Request("http://localhost:8787/_lawful/v1/orders", { method: "POST", body, headers: { "content-type": "application/jose" } }), e, createExecutionContext());
	const text = await res.text();
	return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
}
