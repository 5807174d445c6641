// `trust import|list|revoke-key`: manage the trust store of a RUNNING server through its operator API
// (GET/PUT /_lawful/v1/admin/trust), authenticated by an operator's Matrix access token. Going through the
// server (not its state files as scripts/admin.mjs does) keeps every edit versioned and in the audit log.
import { readFileSync } from "node:fs";
import { CliError, parseOptions } from "./lib/cli.mjs";

async function api(options, method, body) {
	if (!options.server || !options.token) throw new CliError("--server URL and --token OPERATOR_ACCESS_TOKEN are required (or LAWFUL_SERVER / LAWFUL_TOKEN)", 2);
	const res = await fetch(new URL("/_lawful/v1/admin/trust", options.server), {
		method,
		headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
		...(body ? { body: JSON.stringify(body) } : {}),
	});
	const text = await res.text();
	if (!res.ok) throw new CliError(`${res.status} ${text}`);
	return JSON.parse(text);
}

const COMMON = { server: "value", token: "value", reason: "value" };
function opts(argv, extra = {}) {
	const parsed = parseOptions(argv, { ...COMMON, ...extra });
	parsed.options.server ??= process.env.LAWFUL_SERVER;
	parsed.options.token ??= process.env.LAWFUL_TOKEN;
	return parsed;
}

export const command = "trust";
export const summary = "trust store: import FILE | add-authority FILE | list | revoke-key KID (running server, operator token)";
export const help = `trust import FILE --reason TEXT | trust add-authority FILE --reason TEXT | trust list | trust revoke-key KID --reason TEXT
  --server URL   the server (or LAWFUL_SERVER)     --token TOKEN  an operator's access token (or LAWFUL_TOKEN)
  import      replaces the store with FILE (the README "Lawful access" schema) as a new version
  add-authority  adds the one authority in FILE (an element of "authorities") as a new version; its id and
              kids must be new (change an existing authority with import)
  list        prints the version in force and each authority with its keys and their status
  revoke-key  marks the key revoked: every new order signed with it is refused (LA_KEY_REVOKED); final`;

export async function run(argv) {
	const [sub, ...rest] = argv;
	if (sub === "import") {
		const { positional, options } = opts(rest);
		if (!positional[0] || !options.reason) throw new CliError("usage: trust import FILE --reason TEXT", 2);
		const store = JSON.parse(readFileSync(positional[0], "utf8"));
		const { version } = await api(options, "PUT", { store, reason: options.reason });
		console.log(`trust store version ${version} in force`);
	} else if (sub === "add-authority") {
		const { positional, options } = opts(rest);
		if (!positional[0] || !options.reason) throw new CliError("usage: trust add-authority FILE --reason TEXT", 2);
		const authority = JSON.parse(readFileSync(positional[0], "utf8"));
		const { store } = await api(options, "GET");
		if (store.authorities.some((a) => a.id === authority.id)) throw new CliError(`authority ${authority.id} is already in the trust store (use trust import to change it)`);
		const kids = new Set(store.authorities.flatMap((a) => a.keys.map((k) => k.kid)));
		const taken = (authority.keys ?? []).map((k) => k.kid).filter((kid) => kids.has(kid));
		if (taken.length > 0) throw new CliError(`key IDs already pinned: ${taken.join(", ")}`);
		// The server validates the whole new version against the schema and refuses it with LA_SCHEMA if wrong.
		const { version } = await api(options, "PUT", { store: { ...store, authorities: [...store.authorities, authority] }, reason: `add ${authority.id}: ${options.reason}` });
		console.log(`authority ${authority.id} added (trust store version ${version})`);
	} else if (sub === "list") {
		const { options } = opts(rest);
		const { version, store } = await api(options, "GET");
		console.log(`version: ${version ?? "deployment (LAWFUL_TRUST_STORE)"}`);
		for (const a of store.authorities) {
			console.log(`${a.id}\t${a.country}\t${a.role ?? "issuing"}\t${a.allowedLegalBases.join(",")}`);
			for (const k of a.keys) console.log(`  ${k.kid}\t${k.status}\t${k.notBefore} → ${k.notAfter}`);
		}
	} else if (sub === "revoke-key") {
		const { positional, options } = opts(rest);
		const kid = positional[0];
		if (!kid || !options.reason) throw new CliError("usage: trust revoke-key KID --reason TEXT", 2);
		const { store } = await api(options, "GET");
		const key = store.authorities.flatMap((a) => a.keys).find((k) => k.kid === kid);
		if (!key) throw new CliError(`no key ${kid} in the trust store`);
		key.status = "revoked";
		key.revokedAt = new Date().toISOString();
		key.revocationReason = options.reason;
		const { version } = await api(options, "PUT", { store, reason: `revoke ${kid}: ${options.reason}` });
		console.log(`key ${kid} revoked (trust store version ${version})`);
	} else throw new CliError(`usage: npm run lawful -- ${help}`, 2);
}
