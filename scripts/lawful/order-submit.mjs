// `order submit`: POST a signed order to a server's /_lawful/v1/orders and print the answer
// (202 {orderId, status, ldids}, or an LA_* refusal). LAWFUL_ACCESS.md "API".
import { readFileSync } from "node:fs";
import { CliError, parseOptions } from "./lib/cli.mjs";

export const command = "order submit";
export const summary = "POST a signed order (file or stdin) to a server";
export const help = `order submit [FILE] --server URL
  FILE     the JWS from "order sign" (default: stdin)
  --server the server's base URL, e.g. http://127.0.0.1:8787`;

export async function run(argv) {
	const { positional, options } = parseOptions(argv, { server: "value" });
	if (!options.server) throw new CliError("--server is required", 2);
	const body = readFileSync(positional[0] ?? 0, "utf8").trim();
	const res = await fetch(new URL("/_lawful/v1/orders", options.server), { method: "POST", body, headers: { "content-type": "application/jose" } });
	const text = await res.text();
	console.log(`${res.status} ${text}`);
	if (!res.ok) throw new CliError("the order was refused", 1);
}
