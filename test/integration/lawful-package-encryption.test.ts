// An order naming delivery.recipientKey gets its package as a compact JWE (job/seal.ts, package/encrypt.ts):
// the plain ZIP is never left in R2, the JWE opens only with the recipient's private key, and what it holds is
// the same BagIt ZIP an unencrypted order gets. X25519, P-256 and RSA recipient keys.
import { env } from "cloudflare:workers";
import { unzipSync } from "fflate";
import { calculateJwkThumbprint, compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/platform/config";
import { productionInput } from "../../src/export/job/input";
import { runJob } from "../../src/export/job/run";
import { getJob, insertJob } from "../../src/export/job/store";
import type { RecipientKey, ScopeTask } from "../../src/export/order/types";
import { buildFixture, type Fixture, MARKERS } from "./lawful-collect-fixture";

let fx: Fixture;
let counter = 0;
const opts = { now: Date.now, random: () => `e${++counter}` };

beforeAll(async () => {
	fx = await buildFixture("seal", 2);
});

async function producedWith(orderId: string, recipientKey: RecipientKey | null): Promise<{ key: string; bytes: Uint8Array; sha256: string }> {
	const target = { format: "ServiceAccessIdentifier" as const, userId: fx.target.userId };
	const tasks: ScopeTask[] = [
		{ ldid: "LD-1", kind: "LD", requestType: "TrafficData", subtypes: ["EventEnvelopes", "Memberships"], target, window: { start: 0, end: Date.now() + 60_000 }, preservationExpiresAt: null },
	];
	const input = await productionInput(orderId, { authorisationReference: "CASE-SEAL", legalBasis: "US-18USC2703d", recipientKey }, "eyJhbGciOiJFZERTQSJ9.e30.sig", tasks, getConfig(env).serverName, Date.now());
	await insertJob(env.DB, input, Date.now());
	const outcome = await runJob(env, orderId, opts);
	if (outcome.state !== "done") throw new Error(`job ${outcome.state}`);
	const object = await env.EVIDENCE.get(outcome.pkg.key);
	return { key: outcome.pkg.key, bytes: new Uint8Array(await object!.arrayBuffer()), sha256: outcome.pkg.sha256 };
}

async function sha256(bytes: Uint8Array): Promise<string> {
	return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const KEYS = [
	{ name: "X25519", make: () => generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true }), alg: "ECDH-ES+A256KW" },
	{ name: "P-256", make: () => generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true }), alg: "ECDH-ES+A256KW" },
	{ name: "RSA", make: () => generateKeyPair("RSA-OAEP-256", { modulusLength: 2048, extractable: true }), alg: "RSA-OAEP-256" },
] as const;

describe("package encryption to delivery.recipientKey", () => {
	for (const k of KEYS) {
		it(`${k.name}: the stored package is a JWE that only the recipient opens, holding the bag`, async () => {
			const pair = await k.make();
			const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: `rk-${k.name}` } as RecipientKey;
			const orderId = `order-seal-${k.name}`;
			const sealed = await producedWith(orderId, publicJwk);
			expect(sealed.key.endsWith(".zip.jwe")).toBe(true);
			expect(await sha256(sealed.bytes)).toBe(sealed.sha256);
			// No plain ZIP is left behind, and nothing readable is in the stored bytes.
			expect((await env.EVIDENCE.list({ prefix: "lawful/packages/" })).objects.map((o) => o.key).filter((key) => key.includes(orderId))).toEqual([sealed.key]);
			const text = new TextDecoder().decode(sealed.bytes);
			expect(text.startsWith("PK")).toBe(false);
			for (const marker of [...Object.values(MARKERS), fx.target.userId, "bagit.txt"]) expect(text).not.toContain(marker);
			const header = decodeProtectedHeader(text);
			expect(header).toMatchObject({ alg: k.alg, enc: "A256GCM", typ: "lawful-package+jwe", cty: "application/zip", kid: `rk-${k.name}` });

			const { plaintext } = await compactDecrypt(text, pair.privateKey);
			const files = unzipSync(plaintext);
			expect(Object.keys(files)).toEqual(expect.arrayContaining(["bagit.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "delivery.jws", "data/records/event-envelopes.ndjson"]));
			expect(new TextDecoder().decode(files["data/records/event-envelopes.ndjson"]!)).toContain(fx.target.userId);

			// Another key of the same type cannot open it.
			const other = await k.make();
			await expect(compactDecrypt(text, other.privateKey)).rejects.toThrow();
		});
	}

	it("without a recipient key the package stays a plain ZIP", async () => {
		const plain = await producedWith("order-seal-none", null);
		expect(plain.key.endsWith(".zip")).toBe(true);
		expect(plain.bytes[0]).toBe(0x50);
		expect(unzipSync(plain.bytes)["bagit.txt"]).toBeDefined();
		expect((await getJob(env.DB, "order-seal-none"))?.package_sha256).toBe(await sha256(plain.bytes));
	});

	it("the JWE's kid is the key's RFC 7638 thumbprint when the key has no kid", async () => {
		const pair = await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
		const jwk = (await exportJWK(pair.publicKey)) as RecipientKey;
		const sealed = await producedWith("order-seal-thumbprint", jwk);
		const header = decodeProtectedHeader(new TextDecoder().decode(sealed.bytes));
		expect(header.kid).toBe(await calculateJwkThumbprint(jwk as never, "sha256"));
		// The recipient imports its own private JWK (as verify-package --key does) and decrypts.
		const privateJwk = await exportJWK(pair.privateKey);
		await expect(compactDecrypt(new TextDecoder().decode(sealed.bytes), await importJWK(privateJwk, "ECDH-ES+A256KW"))).resolves.toBeDefined();
	});
});
