// `order retrieve`: the authority's single signed download of an evidence package (LAWFUL_ACCESS.md
// "Delivery"). The server hands a package over once; a second attempt is refused with LA_GONE.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { CliError, parseOptions } from "./lib/cli.mjs";
import { loadAuthorityKey, signedGet } from "./lib/signed-fetch.mjs";

export const command = "order retrieve";
export const summary = "download a package once with a signed request (the URL from \"order status\")";
export const help = `order retrieve DELIVERY_URL --key JWK_FILE --out FILE.zip
  DELIVERY_URL  delivery.url from "order status" (…/_lawful/v1/deliveries/TOKEN)
  --key         the issuing authority's private JWK with its "kid"
  --out         where to write the ZIP (or its JWE, when the order named a recipientKey); then check it
                offline with "verify-package"`;

export async function run(argv) {
	const { positional, options } = parseOptions(argv, { key: "value", out: "value" });
	if (!positional[0] || !options.key || !options.out) throw new CliError("DELIVERY_URL, --key and --out are required", 2);
	const res = await signedGet(positional[0], loadAuthorityKey(options.key));
	if (!res.ok) throw new CliError(`${res.status} ${await res.text()}`, 1);
	const bytes = new Uint8Array(await res.arrayBuffer());
	const sha256 = createHash("sha256").update(bytes).digest("hex");
	const claimed = res.headers.get("digest-sha256");
	if (claimed !== null && claimed !== sha256) throw new CliError(`downloaded bytes do not match the server's SHA-256 ${claimed}`, 1);
	writeFileSync(options.out, bytes);
	// A package for an order with delivery.recipientKey comes as a compact JWE of the ZIP.
	const sealed = (res.headers.get("content-type") ?? "").startsWith("application/jose");
	const what = sealed ? "JWE-encrypted to the order's recipientKey; verify-package --key PRIVATE_JWK opens it" : "ZIP";
	console.log(`package written to ${options.out} (${what}, ${bytes.length} bytes, SHA-256 ${sha256})`);
}
