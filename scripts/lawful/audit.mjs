// `audit verify`: fetch the audit log and its signed checkpoints from a RUNNING server (operator token) and
// recompute everything here, independently of the server: entryHash = SHA-256(prevHash ‖ JCS(entry)) from
// genesis, then each checkpoint's JWS against GET /_lawful/v1/provider-keys and the recomputed hashes.
// Mirrors src/export/audit/{entry,hash-chain,checkpoint,verify}.ts (LAWFUL_ACCESS.md "Audit log").
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { CliError, parseOptions } from "./lib/cli.mjs";

const GENESIS = "0".repeat(64);

async function getJson(server, path, token) {
	const res = await fetch(new URL(path, server), { headers: token ? { authorization: `Bearer ${token}` } : {} });
	const text = await res.text();
	if (!res.ok) throw new CliError(`${res.status} ${path}: ${text}`);
	return JSON.parse(text);
}

/** The first break in the chain, or null; `hashes[seq]` collects the verified entryHashes. */
export function verifyChain(entries, hashes) {
	let prev = GENESIS;
	for (let i = 0; i < entries.length; i++) {
		const { entryHash, ...body } = entries[i];
		if (body.seq !== i + 1) return `entry ${i + 1}: expected seq ${i + 1}, found ${body.seq}`;
		if (body.prevHash !== prev) return `entry ${i + 1}: prevHash does not match the previous entry`;
		const hash = createHash("sha256").update(prev + canonicalize(body), "utf8").digest("hex");
		if (hash !== entryHash) return `entry ${i + 1}: entryHash does not match the entry`;
		hashes[i + 1] = hash;
		prev = hash;
	}
	return null;
}

export async function verifyCheckpoint(jws, jwks, hashes) {
	const header = decodeProtectedHeader(jws);
	const key = jwks.keys.find((k) => k.kid === header.kid);
	if (!key || header.typ !== "lawful-checkpoint+jws") return `unknown key or type (${header.kid})`;
	const signedMs = header.iat * 1000;
	if (signedMs < Date.parse(key.notBefore) - 999 || (key.notAfter && signedMs > Date.parse(key.notAfter))) return `key ${key.kid} not valid at iat`;
	const { payload } = await compactVerify(jws, await importJWK({ kty: key.kty, crv: key.crv, x: key.x }, "EdDSA")).catch(() => ({ payload: null }));
	if (!payload) return "signature does not verify";
	const cp = JSON.parse(new TextDecoder().decode(payload));
	if (hashes[cp.size] !== cp.headHash) return `checkpoint at ${cp.size} does not match the recomputed chain`;
	return null;
}

export const command = "audit verify";
export const summary = "recompute the audit log's hash chain and check its signed checkpoints (running server, operator token)";
export const help = `audit verify --server URL --token OPERATOR_ACCESS_TOKEN   (or LAWFUL_SERVER / LAWFUL_TOKEN)
  Downloads every entry and checkpoint, recomputes entryHash = SHA-256(prevHash ‖ JCS(entry)) from genesis
  and verifies each checkpoint JWS with the provider JWKS. Exit 0 when intact, 1 with the first problem.`;

export async function run(argv) {
	const { options } = parseOptions(argv, { server: "value", token: "value" });
	const server = options.server ?? process.env.LAWFUL_SERVER;
	const token = options.token ?? process.env.LAWFUL_TOKEN;
	if (!server || !token) throw new CliError("--server URL and --token OPERATOR_ACCESS_TOKEN are required", 2);
	const entries = [];
	let checkpoints = [];
	for (;;) {
		const page = await getJson(server, `/_lawful/v1/admin/audit/entries?after=${entries.length}&limit=1000`, token);
		entries.push(...page.entries);
		checkpoints = page.checkpoints;
		if (page.entries.length < 1000) break;
	}
	const jwks = await getJson(server, "/_lawful/v1/provider-keys");
	const hashes = {};
	const problems = [];
	const broken = verifyChain(entries, hashes);
	if (broken) problems.push(broken);
	let good = 0;
	for (const jws of checkpoints) {
		const problem = await verifyCheckpoint(jws, jwks, hashes);
		if (problem) problems.push(`checkpoint: ${problem}`);
		else good++;
	}
	console.log(`${entries.length} entries, ${good}/${checkpoints.length} checkpoints verified`);
	if (problems.length > 0) throw new CliError(`AUDIT LOG FAILED VERIFICATION\n${problems.slice(0, 20).join("\n")}`, 1);
	console.log(`audit log intact; head ${entries.length === 0 ? GENESIS : entries[entries.length - 1].entryHash}`);
}
