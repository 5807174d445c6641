// `transparency show PERIOD`: fetch a half-year's signed transparency report, verify its JWS with the
// provider JWKS (key valid at iat, typ lawful-transparency+jws) and print it. LAWFUL_ACCESS.md "Transparency report".
import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { CliError, parseOptions } from "./lib/cli.mjs";

export const command = "transparency show";
export const summary = "fetch and verify a signed half-year transparency report, e.g. 2026-H2";
export const help = `transparency show PERIOD --server URL   (or LAWFUL_SERVER); PERIOD is YYYY-H1 or YYYY-H2`;

export async function run(argv) {
	const { positional, options } = parseOptions(argv, { server: "value" });
	const server = options.server ?? process.env.LAWFUL_SERVER;
	if (!server || !positional[0]) throw new CliError("usage: transparency show PERIOD --server URL", 2);
	const res = await fetch(new URL(`/_lawful/v1/transparency/${encodeURIComponent(positional[0])}`, server));
	const body = await res.json();
	if (!res.ok) throw new CliError(`${res.status} ${JSON.stringify(body)}`);
	const jwks = await (await fetch(new URL("/_lawful/v1/provider-keys", server))).json();
	const header = decodeProtectedHeader(body.jws);
	const key = jwks.keys.find((k) => k.kid === header.kid);
	if (!key || header.typ !== "lawful-transparency+jws") throw new CliError(`report signed by an unknown key or type (${header.kid})`);
	const { payload } = await compactVerify(body.jws, await importJWK({ kty: key.kty, crv: key.crv, x: key.x }, "EdDSA")).catch(() => {
		throw new CliError("report signature does not verify");
	});
	const report = JSON.parse(new TextDecoder().decode(payload));
	console.log(JSON.stringify(report, null, 2));
	console.log(`signature verified: provider key ${key.kid} (${key.status})`);
}
