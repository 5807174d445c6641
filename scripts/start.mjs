#!/usr/bin/env node
// `npm start`: the run contract. Applies D1 migrations, then serves the homeserver on 127.0.0.1
// with workerd (wrangler dev) and persisted state.
//   PORT        listen port (default 8787)
//   SERVER_NAME Matrix server name (default localhost:$PORT)
//   STATE_DIR   persisted state (default .wrangler/state); one dir per server
//   INSPECTOR_PORT DevTools port (default: a free one)
// Every other setting in SETTINGS below is read from the environment the same way.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { SETTINGS } from "./settings.mjs";

const HELP = `Usage: [PORT=8787] [SERVER_NAME=localhost:8787] [STATE_DIR=.wrangler/state] npm start

Runs the sealbridge homeserver locally in workerd on 127.0.0.1:$PORT with persisted state.
Settings come from the environment (see README.md, "Configuration"):
  ${SETTINGS.join("\n  ")}
INSPECTOR_PORT pins the DevTools inspector port (default: a free one).
Two independent servers side by side:
  PORT=8788 SERVER_NAME=127.0.0.1:8788 STATE_DIR=.state/hs2 npm start`;

if (process.argv.includes("--help") || process.argv.includes("-h")) {
	console.log(HELP);
	process.exit(0);
}

const port = Number(process.env.PORT ?? "8787");
if (!Number.isInteger(port) || port < 1 || port > 65535) {
	console.error(`PORT must be an integer between 1 and 65535, got ${process.env.PORT}`);
	process.exit(2);
}
const stateDir = resolve(process.env.STATE_DIR ?? ".wrangler/state");
const serverName = process.env.SERVER_NAME ?? `localhost:${port}`;

// X_LOCAL_OBSERVABILITY=false: wrangler's local trace collector otherwise records every request, RPC and log
// line of the worker into a SQLite store under STATE_DIR (five commits per message send, about half of a send's
// time), and a homeserver keeps no request traces of its users.
const quiet = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true", X_LOCAL_OBSERVABILITY: "false" };
const childEnv = { ...process.env, ...quiet };
// FEDERATION_CA_FILE: workerd trusts this private CA for outbound HTTPS (miniflare hands NODE_EXTRA_CA_CERTS
// to workerd as trusted certificates), so a peer behind a local TLS front can be reached.
if (process.env.FEDERATION_CA_FILE) {
	const caFile = resolve(process.env.FEDERATION_CA_FILE);
	if (!existsSync(caFile) || !readFileSync(caFile, "utf8").includes("-----BEGIN CERTIFICATE-----")) {
		console.error(`FEDERATION_CA_FILE must name a PEM certificate file, got ${process.env.FEDERATION_CA_FILE}`);
		process.exit(2);
	}
	childEnv.NODE_EXTRA_CA_CERTS = caFile;
}

/** A free loopback port for the inspector, so two servers never race for the same one. */
function freePort() {
	return new Promise((ok, fail) => {
		const srv = createServer();
		srv.once("error", fail);
		srv.listen(0, "127.0.0.1", () => {
			const { port: p } = srv.address();
			srv.close(() => ok(p));
		});
	});
}

mkdirSync(stateDir, { recursive: true });
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
	env: { ...childEnv, CI: "true" },
	stdio: ["ignore", "ignore", "inherit"],
});
if (migrate.status !== 0) {
	console.error("applying D1 migrations failed");
	process.exit(migrate.status ?? 1);
}

// Settings go through an env file (mode 600) rather than --var, so secrets such as SIGNING_KEY
// never appear in the process list.
const values = { SERVER_NAME: serverName };
for (const name of SETTINGS) if (name !== "SERVER_NAME" && process.env[name] !== undefined) values[name] = process.env[name];
const envFile = join(stateDir, "sealbridge.env");
writeFileSync(envFile, Object.entries(values).map(([k, v]) => `${k}=${dotenvQuote(String(v))}`).join("\n") + "\n", { mode: 0o600 });
chmodSync(envFile, 0o600);

/**
 * A value quoted for wrangler's dotenv parser. Single- and backtick-quoted values are taken literally, while
 * double quotes keep backslashes (`\"` stays `\"`), which broke JSON settings such as LAWFUL_TRUST_STORE.
 * So: the first of ' and ` that the value does not contain; double quotes only as the last resort.
 */
function dotenvQuote(value) {
	for (const q of ["'", "`"]) if (!value.includes(q)) return `${q}${value}${q}`;
	if (!value.includes('"') && !value.includes("\\")) return `"${value}"`;
	console.error("a setting contains ', ` and \" (or a backslash) at once; wrangler's env file cannot carry it literally");
	process.exit(2);
}

// INSPECTOR_PORT pins the DevTools port (for profiling); by default a free one is picked.
const inspector = Number(process.env.INSPECTOR_PORT) || (await freePort());
const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", stateDir, "--env-file", envFile, "--show-interactive-dev-session=false"];
console.log(`sealbridge: ${serverName} on http://127.0.0.1:${port} (state ${stateDir})`);
const child = spawn("wrangler", args, { env: childEnv, stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
