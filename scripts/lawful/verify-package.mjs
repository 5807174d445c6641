// `npm run lawful -- verify-package FILE`: checks an evidence package offline, in the design's order:
// signature (delivery.jws, a detached JWS over tagmanifest-sha256.txt, against the provider's JWKS) → tag
// manifest → payload hashes (and Payload-Oxum) → every record against data/schema/records.schema.json.
// Design: LAWFUL_ACCESS.md "Package"; the writer is src/export/package/ and src/export/job/assemble.ts, and
// test/e2e/lawful-canary.test.ts runs this command on a package the server produced (so both agree).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import Ajv from "ajv";
import { unzipSync } from "fflate";
import { base64url, compactDecrypt, compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { CliError, parseOptions } from "./lib/cli.mjs";

export const command = "verify-package";
export const summary = "check an evidence package: signature, tag manifest, payload hashes, record schema";
export const help = `verify-package FILE (--jwks JWKS.json | --server URL) [--key JWK_FILE] [--out FILE.zip] [--json]
  FILE      the package as downloaded: a ZIP, or a compact JWE of the ZIP when the order named a recipientKey
  --key     the private JWK of the order's recipientKey, to decrypt a JWE package first
  --out     with --key: also write the decrypted ZIP here
  --jwks    the provider's public keys (GET /_lawful/v1/provider-keys, saved earlier): fully offline
  --server  fetch the JWKS from this server's /_lawful/v1/provider-keys
  --json    print the findings as JSON
Exit status 0 when every check passes, 1 when any fails.`;

const DELIVERY_TYP = "lawful-delivery+jws";
// The sealed form (src/export/package/encrypt.ts): typ, and the only algorithms accepted when decrypting.
const PACKAGE_JWE_TYP = "lawful-package+jwe";
const JWE_KEY_ALGS = ["ECDH-ES+A256KW", "RSA-OAEP-256"];
const JWE_ENCS = ["A256GCM"];
const TAG_FILES = ["bag-info.txt", "bagit.txt", "delivery.json", "manifest-sha256.txt"];
const decoder = new TextDecoder("utf-8", { fatal: true });

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** "<hex>  <path>" lines (RFC 8493 2.1.3) → Map(path → hex); paths percent-decode %0D, %0A, %25. */
function parseManifest(text) {
	const entries = new Map();
	for (const line of text.split("\n")) {
		if (line === "") continue;
		const m = /^([0-9a-f]{64})\s+(.+)$/.exec(line);
		if (!m) throw new Error(`bad manifest line: ${line}`);
		entries.set(m[2].replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%"), m[1]);
	}
	return entries;
}

function tagValues(text, label) {
	return text.split("\n").filter((l) => l.startsWith(`${label}: `)).map((l) => l.slice(label.length + 2));
}

async function checkSignature(files, jwks) {
	const detached = decoder.decode(files["delivery.jws"]).trim();
	const [header, middle, signature] = detached.split(".");
	if (middle !== "" || !header || !signature) throw new Error("delivery.jws is not a detached compact JWS");
	const attached = `${header}.${base64url.encode(files["tagmanifest-sha256.txt"])}.${signature}`;
	const protectedHeader = decodeProtectedHeader(attached);
	if (protectedHeader.alg !== "EdDSA") throw new Error(`alg ${protectedHeader.alg} is not EdDSA`);
	if (protectedHeader.typ !== DELIVERY_TYP) throw new Error(`typ ${protectedHeader.typ} is not ${DELIVERY_TYP}`);
	const jwk = (jwks.keys ?? []).find((k) => k.kid === protectedHeader.kid);
	if (!jwk) throw new Error(`kid ${protectedHeader.kid} is not in the provider JWKS`);
	const signedAt = typeof protectedHeader.iat === "number" ? protectedHeader.iat * 1000 : null;
	// iat has whole seconds, so the key's validity is compared at that precision (a key made in the same second signs).
	if (signedAt !== null && jwk.notBefore && signedAt < Math.floor(Date.parse(jwk.notBefore) / 1000) * 1000) throw new Error("signed before the key was valid");
	if (signedAt !== null && jwk.notAfter && signedAt > Date.parse(jwk.notAfter)) throw new Error("signed after the key was retired");
	const { kty, crv, x } = jwk;
	await compactVerify(attached, await importJWK({ kty, crv, x }, "EdDSA"));
	return { kid: protectedHeader.kid, signedAt: signedAt === null ? null : new Date(signedAt).toISOString() };
}

function checkManifest(files, manifestName, expectedPaths) {
	const entries = parseManifest(decoder.decode(files[manifestName]));
	const listed = [...entries.keys()].sort();
	const expected = [...expectedPaths].sort();
	const missing = expected.filter((p) => !entries.has(p));
	const extra = listed.filter((p) => !expected.includes(p));
	if (missing.length > 0) throw new Error(`${manifestName} does not list ${missing.join(", ")}`);
	if (extra.length > 0) throw new Error(`${manifestName} lists files not in the bag: ${extra.join(", ")}`);
	for (const [path, hash] of entries) {
		if (sha256(files[path]) !== hash) throw new Error(`${path}: SHA-256 does not match ${manifestName}`);
	}
	return listed.length;
}

function checkRecords(files) {
	const schema = JSON.parse(decoder.decode(files["data/schema/records.schema.json"]));
	const ajv = new Ajv({ allErrors: false, strict: false });
	ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
	ajv.addSchema(schema, "records");
	const counts = {};
	for (const path of Object.keys(files).filter((p) => p.startsWith("data/records/")).sort()) {
		const m = /^data\/records\/([a-z0-9-]+)\.ndjson$/.exec(path);
		if (!m || !schema.definitions?.[m[1]]) throw new Error(`${path} is not a known record set`);
		const validate = ajv.getSchema(`records#/definitions/${m[1]}`);
		const lines = decoder.decode(files[path]).split("\n");
		if (lines.pop() !== "") throw new Error(`${path} does not end with a newline`);
		lines.forEach((line, i) => {
			const record = JSON.parse(line);
			if (!validate(record)) throw new Error(`${path} line ${i + 1}: ${ajv.errorsText(validate.errors)}`);
		});
		counts[m[1]] = lines.length;
	}
	return counts;
}

/** A ZIP starts with a local file header ("PK\x03\x04"); anything else is taken for a compact JWE. */
function isZip(bytes) {
	return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Decrypts a sealed package with the recipient's private JWK; returns the ZIP and what the header said. */
export async function decryptPackage(bytes, privateJwk) {
	const jwe = decoder.decode(bytes).trim();
	const header = decodeProtectedHeader(jwe);
	if (header.typ !== PACKAGE_JWE_TYP) throw new Error(`typ ${header.typ} is not ${PACKAGE_JWE_TYP}`);
	if (!privateJwk) throw new Error(`the package is encrypted to key ${header.kid}: give its private JWK with --key`);
	if (!JWE_KEY_ALGS.includes(header.alg)) throw new Error(`alg ${header.alg} is not one of ${JWE_KEY_ALGS.join(", ")}`);
	const key = await importJWK(privateJwk, header.alg);
	const { plaintext } = await compactDecrypt(jwe, key, { keyManagementAlgorithms: JWE_KEY_ALGS, contentEncryptionAlgorithms: JWE_ENCS });
	if (!isZip(plaintext)) throw new Error("the decrypted content is not a ZIP");
	return { zip: plaintext, alg: header.alg, enc: header.enc, kid: header.kid };
}

/**
 * All checks, in order; the first failure stops them. Returns { ok, steps: [{check, ok, detail}], summary, zip }.
 * `options.decryptionKey`: the recipient's private JWK, for a JWE package.
 */
export async function verifyPackage(packageBytes, jwks, options = {}) {
	const steps = [];
	const summary = {};
	const step = async (check, fn) => {
		try {
			const detail = await fn();
			steps.push({ check, ok: true, detail });
			return true;
		} catch (e) {
			steps.push({ check, ok: false, detail: e instanceof Error ? e.message : String(e) });
			return false;
		}
	};
	let files;
	let zipBytes = packageBytes;
	const ok =
		(isZip(packageBytes) ||
			(await step("decryption (JWE to the order's recipientKey)", async () => {
				const opened = await decryptPackage(packageBytes, options.decryptionKey);
				zipBytes = opened.zip;
				summary.encryption = { alg: opened.alg, enc: opened.enc, kid: opened.kid };
				return `${opened.alg} + ${opened.enc}, kid ${opened.kid}, ${opened.zip.length} bytes of ZIP`;
			}))) &&
		(await step("zip and bag layout", () => {
			files = unzipSync(zipBytes);
			for (const name of ["bagit.txt", ...TAG_FILES, "tagmanifest-sha256.txt", "delivery.jws", "data/order.jws", "data/readme.txt", "data/schema/records.schema.json"]) {
				if (!files[name]) throw new Error(`${name} is missing`);
			}
			if (!decoder.decode(files["bagit.txt"]).includes("BagIt-Version: 1.0")) throw new Error("bagit.txt is not BagIt 1.0");
			return `${Object.keys(files).length} files`;
		})) &&
		(await step("signature (delivery.jws over tagmanifest-sha256.txt)", async () => {
			const sig = await checkSignature(files, jwks);
			Object.assign(summary, sig);
			return `kid ${sig.kid}, signed ${sig.signedAt ?? "(no iat)"}`;
		})) &&
		(await step("tag manifest", () => `${checkManifest(files, "tagmanifest-sha256.txt", TAG_FILES)} tag files`)) &&
		(await step("payload manifest and Payload-Oxum", () => {
			const payload = Object.keys(files).filter((p) => p.startsWith("data/"));
			const n = checkManifest(files, "manifest-sha256.txt", payload);
			const info = decoder.decode(files["bag-info.txt"]);
			const oxum = `${payload.reduce((s, p) => s + files[p].length, 0)}.${payload.length}`;
			if (tagValues(info, "Payload-Oxum")[0] !== oxum) throw new Error(`Payload-Oxum is not ${oxum}`);
			Object.assign(summary, { orderId: tagValues(info, "External-Identifier")[0], caseReference: tagValues(info, "Case-Reference")[0], ldids: tagValues(info, "LDID"), producedAt: tagValues(info, "Produced-At")[0] });
			return `${n} payload files, ${oxum}`;
		})) &&
		(await step("records against data/schema/records.schema.json", () => {
			const counts = checkRecords(files);
			summary.records = counts;
			const delivery = JSON.parse(decoder.decode(files["delivery.json"]));
			summary.notAvailable = delivery.categoriesNotAvailable ?? [];
			return Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ") || "no records";
		}));
	return { ok, steps, summary, zip: zipBytes };
}

async function loadJwks(options) {
	if (options.jwks) return JSON.parse(readFileSync(options.jwks, "utf8"));
	if (options.server) {
		const res = await fetch(new URL("/_lawful/v1/provider-keys", options.server));
		if (!res.ok) throw new CliError(`could not fetch the provider keys: HTTP ${res.status}`);
		return res.json();
	}
	throw new CliError("give the provider keys with --jwks FILE or --server URL", 2);
}

export async function run(argv) {
	const { positional, options } = parseOptions(argv, { jwks: "value", server: "value", json: "flag", key: "value", out: "value" });
	if (positional.length !== 1) throw new CliError(`Usage: npm run lawful -- ${help}`, 2);
	const jwks = await loadJwks(options);
	const decryptionKey = options.key ? JSON.parse(readFileSync(options.key, "utf8")) : undefined;
	const result = await verifyPackage(new Uint8Array(readFileSync(positional[0])), jwks, { decryptionKey });
	if (options.out && result.zip !== undefined && result.steps[0]?.ok) writeFileSync(options.out, result.zip);
	if (options.json) console.log(JSON.stringify(result, null, 2));
	else {
		for (const s of result.steps) console.log(`${s.ok ? "ok  " : "FAIL"}  ${s.check}: ${s.detail}`);
		const { orderId, caseReference, ldids, producedAt, records, notAvailable } = result.summary;
		if (orderId) console.log(`\norder ${orderId}, case ${caseReference}, LDIDs ${(ldids ?? []).join(", ")}, produced ${producedAt}`);
		if (records) console.log(`records: ${Object.entries(records).map(([k, v]) => `${v} ${k}`).join(", ") || "none"}`);
		for (const n of notAvailable ?? []) console.log(`not available: ${n.ldid} ${n.category}: ${n.reason}`);
		console.log(result.ok ? "\npackage verified" : "\npackage NOT verified");
	}
	if (!result.ok) throw new CliError("verification failed", 1);
}
