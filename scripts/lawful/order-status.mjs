// `order status`: the issuing authority reads its order's status with an RFC 9421-signed GET
// (LAWFUL_ACCESS.md "API"). Once the package is ready the answer carries a one-time retrieval URL
// (`delivery.url`); each read mints a new one and the older URL stops working.
import { CliError, parseOptions } from "./lib/cli.mjs";
import { loadAuthorityKey, signedGet } from "./lib/signed-fetch.mjs";

export const command = "order status";
export const summary = "the authority's signed status read (prints JSON; holds the retrieval URL when ready)";
export const help = `order status ORDER_ID --key JWK_FILE --server URL
  --key     the authority's private JWK with its "kid" (the key the order was signed with, or another active one)
  --server  the server's base URL, e.g. http://127.0.0.1:8787`;

export async function run(argv) {
	const { positional, options } = parseOptions(argv, { key: "value", server: "value" });
	if (!positional[0] || !options.key || !options.server) throw new CliError("ORDER_ID, --key and --server are required", 2);
	const url = new URL(`/_lawful/v1/orders/${encodeURIComponent(positional[0])}`, options.server).href;
	const res = await signedGet(url, loadAuthorityKey(options.key));
	const text = await res.text();
	if (!res.ok) throw new CliError(`${res.status} ${text}`, 1);
	console.log(text);
}
