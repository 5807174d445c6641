// `authority keygen`: a new authority signing key, for trying the flow locally and for tests. Writes the
// private JWK (with its kid) to a file and prints the public JWK, which goes into the trust store's keys[].
// Real authorities keep their keys in their own HSMs; sealbridge only ever pins the public half.
import { writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair } from "jose";
import { CliError, parseOptions } from "./lib/cli.mjs";

export const command = "authority keygen";
export const summary = "make an authority key pair: private JWK to a file, public JWK (for the trust store) to stdout";
export const help = `authority keygen --kid KID --out FILE [--alg EdDSA|ES256]
  --kid  the key ID the trust store pins (unique in the store)
  --out  where to write the private JWK (mode 600)
  --alg  EdDSA (Ed25519, default) or ES256 (P-256)`;

export async function run(argv) {
	const { options } = parseOptions(argv, { kid: "value", out: "value", alg: "value" });
	if (!options.kid || !options.out) throw new CliError("--kid and --out are required", 2);
	const alg = options.alg ?? "EdDSA";
	if (alg !== "EdDSA" && alg !== "ES256") throw new CliError("--alg must be EdDSA or ES256", 2);
	const { privateKey, publicKey } = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : "ES256", { extractable: true });
	writeFileSync(options.out, `${JSON.stringify({ ...(await exportJWK(privateKey)), kid: options.kid })}\n`, { mode: 0o600 });
	console.log(JSON.stringify(await exportJWK(publicKey)));
}
