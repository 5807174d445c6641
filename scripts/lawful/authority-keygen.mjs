// `authority keygen`: a new authority signing key, for trying the flow locally and for tests. Writes the
// private JWK (with its kid) to a file and prints the public JWK, which goes into the trust store's keys[].
// Real authorities keep their keys in their own HSMs; sealbridge only ever pins the public half.
import { writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair } from "jose";
import { CliError, parseOptions } from "./lib/cli.mjs";

export const command = "authority keygen";
export const summary = "make an authority key pair: private JWK to a file, public JWK (for the trust store) to stdout";
export const help = `authority keygen --kid KID --out FILE [--alg EdDSA|ES256|ECDH-ES]
  --kid  the key ID the trust store pins (unique in the store)
  --out  where to write the private JWK (mode 600)
  --alg  EdDSA (Ed25519, default) or ES256 (P-256): signing keys for the trust store;
         ECDH-ES (X25519): an encryption key for an order's delivery.recipientKey (order sign --recipient-key)`;

/** jose's generateKeyPair algorithm and options per --alg. */
const KEY_TYPES = { EdDSA: ["Ed25519", {}], ES256: ["ES256", {}], "ECDH-ES": ["ECDH-ES", { crv: "X25519" }] };

export async function run(argv) {
	const { options } = parseOptions(argv, { kid: "value", out: "value", alg: "value" });
	if (!options.kid || !options.out) throw new CliError("--kid and --out are required", 2);
	const alg = options.alg ?? "EdDSA";
	if (!Object.hasOwn(KEY_TYPES, alg)) throw new CliError("--alg must be EdDSA, ES256 or ECDH-ES", 2);
	const [joseAlg, extra] = KEY_TYPES[alg];
	const { privateKey, publicKey } = await generateKeyPair(joseAlg, { extractable: true, ...extra });
	writeFileSync(options.out, `${JSON.stringify({ ...(await exportJWK(privateKey)), kid: options.kid })}\n`, { mode: 0o600 });
	// A recipient key carries its kid in the order, so the JWE header names it.
	const pub = await exportJWK(publicKey);
	console.log(JSON.stringify(alg === "ECDH-ES" ? { ...pub, kid: options.kid, use: "enc" } : pub));
}
