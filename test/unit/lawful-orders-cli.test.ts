// `npm run lawful -- order sign`: the CLI's output is a JWS that jose verifies with the public key, its payload
// is JCS-canonical, a two-key run is JSON General with both signatures, and the order passes our own
// validation pipeline (validate-order.ts, pure) against a trust store pinning those keys.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import canonicalize from "canonicalize";
import { compactVerify, exportJWK, generalVerify, generateKeyPair, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { validateOrder, sha256Hex } from "../../src/export/order/validate-order";
import { parseTrustStore } from "../../src/export/trust/schema";

const dir = mkdtempSync(join(tmpdir(), "lawful-cli-"));

async function keyFile(kid: string, alg: "Ed25519" | "ES256") {
	const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
	const file = join(dir, `${kid}.jwk`);
	writeFileSync(file, JSON.stringify({ ...(await exportJWK(privateKey)), kid }));
	return { file, kid, publicJwk: await exportJWK(publicKey) };
}

function cli(args: string[]): string {
	return execFileSync(process.execPath, ["scripts/lawful.mjs", ...args], { encoding: "utf8" }).trim();
}

const FLAGS = ["--sender", "us-fbi", "--receiver", "hs.example", "--legal-basis", "US-18USC2703d", "--reference", "CASE-7", "--target", "@alice:hs.example"];

describe("lawful CLI: order sign", () => {
	it("signs a compact EdDSA JWS over the JCS payload that jose verifies", async () => {
		const k = await keyFile("fbi-1", "Ed25519");
		const jws = cli(["order", "sign", "--key", k.file, ...FLAGS]);
		const { payload, protectedHeader } = await compactVerify(jws, await importJWK(k.publicJwk, "EdDSA"));
		expect(protectedHeader).toEqual({ alg: "EdDSA", kid: "fbi-1", typ: "lawful-order+jws" });
		const text = new TextDecoder().decode(payload);
		expect(canonicalize(JSON.parse(text))).toBe(text);
		expect(JSON.parse(text).tasks[0].requestDetails.requestValues).toEqual([{ formatType: "ServiceAccessIdentifier", value: "@alice:hs.example" }]);
		// A different key must not verify it (the test can fail).
		const other = await keyFile("x", "Ed25519");
		await expect(compactVerify(jws, await importJWK(other.publicJwk, "EdDSA"))).rejects.toThrow();
	});

	it("co-signs as JSON General with two keys, and the order passes validation steps 1-13", async () => {
		const issuer = await keyFile("doj-1", "ES256");
		const court = await keyFile("court-1", "Ed25519");
		const jws = cli(["order", "sign", "--key", issuer.file, "--key", court.file, ...FLAGS.map((f) => (f === "us-fbi" ? "us-doj" : f))]);
		const general = JSON.parse(jws);
		expect(general.signatures).toHaveLength(2);
		await generalVerify(general, await importJWK(issuer.publicJwk, "ES256"));
		await generalVerify(general, await importJWK(court.publicJwk, "EdDSA"));

		const now = Date.now();
		const iso = (ms: number) => new Date(ms).toISOString();
		const key = (k: { kid: string; publicJwk: object }) => ({ kid: k.kid, jwk: k.publicJwk, notBefore: iso(now - 1e9), notAfter: iso(now + 1e9), status: "active" });
		const common = { country: "US", regimes: ["US-SCA"], allowedLegalBases: ["US-18USC2703d"], allowedRequestTypes: ["SubscriberData"], maxTargetsPerOrder: 1, maxWindowDays: 30, maxOrderLifetimeDays: 30, verificationContact: { name: "desk" } };
		const trust = parseTrustStore({
			authorities: [
				{ ...common, id: "us-doj", name: "DOJ", keys: [key(issuer)], requiresValidatingAuthority: true, validatingAuthorities: ["us-court"] },
				{ ...common, id: "us-court", name: "Court", role: "validating", keys: [key(court)] },
			],
		});
		if (!trust.ok) throw new Error(trust.message);
		const bytes = new TextEncoder().encode(jws);
		const outcome = await validateOrder(bytes, await sha256Hex(bytes), { now, serverName: "hs.example", trust: trust.store, findTransaction: async () => null });
		expect(outcome.kind).toBe("accepted");
		if (outcome.kind === "accepted") expect(outcome.order.validators).toEqual(["us-court"]);
	});

	it("signs an IP target with --observed as observedTime, which validation accepts (and refuses without it)", async () => {
		const k = await keyFile("fbi-ip", "Ed25519");
		const now = Date.now();
		const iso = (ms: number) => new Date(ms).toISOString();
		const observed = iso(now - 86_400_000);
		const trust = parseTrustStore({
			authorities: [
				{
					id: "us-fbi", name: "FBI", country: "US", regimes: ["US-SCA"], allowedLegalBases: ["US-18USC2703d"], allowedRequestTypes: ["SubscriberData"],
					maxTargetsPerOrder: 1, maxWindowDays: 30, maxOrderLifetimeDays: 30, verificationContact: { name: "desk" },
					keys: [{ kid: k.kid, jwk: k.publicJwk, notBefore: iso(now - 1e9), notAfter: iso(now + 1e9), status: "active" }],
				},
			],
		});
		if (!trust.ok) throw new Error(trust.message);
		const validate = async (jws: string) => {
			const bytes = new TextEncoder().encode(jws);
			return validateOrder(bytes, await sha256Hex(bytes), { now: Date.now(), serverName: "hs.example", trust: trust.store, findTransaction: async () => null });
		};
		const ipFlags = FLAGS.map((f) => (f === "@alice:hs.example" ? "203.0.113.5" : f));
		const signed = cli(["order", "sign", "--key", k.file, ...ipFlags, "--observed", observed]);
		const outcome = await validate(signed);
		expect(outcome.kind).toBe("accepted");
		if (outcome.kind === "accepted") expect(outcome.order.tasks[0]!.target).toEqual({ format: "IPV4Address", address: "203.0.113.5", observedTime: Date.parse(observed) });
		await expect(validate(cli(["order", "sign", "--key", k.file, ...ipFlags]))).rejects.toMatchObject({ code: "LA_TARGET_NOT_SPECIFIC" });
	});
});
