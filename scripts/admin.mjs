#!/usr/bin/env node
// `npm run admin -- <command>`: manage local accounts in the persisted state of `npm start`.
// It reads and writes the same SQLite files workerd persists under STATE_DIR (wrangler's v3 layout:
// v3/d1/miniflare-D1DatabaseObject/*.sqlite for D1, v3/do/sealbridge-UserDO/*.sqlite for UserDOs).
// The server must be stopped: workerd keeps these files open and caches them, so writes from a second
// process while it runs could be lost or corrupt a database. Passwords are never logged.
import { spawnSync } from "node:child_process";
import { randomBytes, webcrypto } from "node:crypto";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";

const USAGE = `Usage: npm run admin -- <command> [options]

Manages accounts in the local state of a stopped sealbridge server (STATE_DIR, SERVER_NAME and PORT as for npm start).

Commands:
  create-user NAME [--password P] [--admin] [--operator]   create an account (a password is generated and printed if none is given)
  reset-password NAME --password P                          set a new password and log out all of the user's devices
  deactivate NAME [--erase]                                 deactivate the account and log out all of its devices
  list-users                                                list the accounts
  create-registration-token TOKEN [--uses N]                let N people (default unlimited) register while registration is closed
  add-threepid NAME email|msisdn ADDRESS                    attach a verified e-mail address or phone number to an account
  remove-threepid NAME email|msisdn ADDRESS                 detach it

Run "npm run admin -- <command> --help" for one command.`;

const COMMAND_HELP = {
	"create-user": "create-user NAME [--password P] [--admin] [--operator]\n  NAME is a localpart (a-z 0-9 . _ = - / +). Without --password a random one is generated and printed.\n  --admin marks a server admin; --operator may use the lawful-access console.",
	"reset-password": "reset-password NAME --password P\n  Replaces the password and deletes every device (and so every access token) of the user.",
	deactivate:
		"deactivate NAME [--erase]\n  Marks the account deactivated (the user ID is never reissued) and deletes its devices and tokens.\n  It does not leave rooms (that needs the running server): a user who should leave rooms deactivates through the client API.\n  Its 3PIDs are removed by the running server's hourly lifecycle job, unless a lawful-access preservation hold names it.\n  --erase records the erasure the client API's `erase: true` asks for (profile and directory entry); the running\n  server's hourly lifecycle job carries it out, once no preservation hold names the account.",
	"list-users": "list-users\n  Prints user ID, flags and creation time of every account.",
	"create-registration-token": "create-registration-token TOKEN [--uses N]\n  TOKEN: 1-64 characters of [A-Za-z0-9._~-].",
	"add-threepid":
		"add-threepid NAME email|msisdn ADDRESS\n  Attaches an e-mail address or a phone number (E.164, e.g. +447700900123; spaces and dashes are ignored) that you\n  have verified out of band to the account; it is stored as validated now. This server runs no identity server\n  and users cannot add 3PIDs themselves. The user sees it in GET /account/3pid; lawful-access SubscriberData\n  includes it and e-mail/phone targets resolve through it. A 3PID belongs to at most one account.",
	"remove-threepid": "remove-threepid NAME email|msisdn ADDRESS\n  Detaches the 3PID from the account (the address is matched as add-threepid stores it).",
};

/** PBKDF2-SHA256, 100,000 iterations, 16-byte salt: the format of src/protocol/uia/password-hash.ts. */
const PBKDF2_ITERATIONS = 100_000;
export async function hashPassword(password, salt = randomBytes(16), iterations = PBKDF2_ITERATIONS) {
	const key = await webcrypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
	const bits = await webcrypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
	const b64 = (bytes) => Buffer.from(bytes).toString("base64").replace(/=+$/, "");
	return `pbkdf2-sha256$${iterations}$${b64(salt)}$${b64(new Uint8Array(bits))}`;
}

function fail(message) {
	console.error(message);
	process.exit(1);
}

function parseArgs(argv) {
	const positional = [];
	const flags = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === "--help" || arg === "-h") flags.help = true;
		else if (arg === "--admin" || arg === "--operator" || arg === "--erase") flags[arg.slice(2)] = true;
		else if (arg === "--password" || arg === "--uses") {
			if (i + 1 >= argv.length) fail(`${arg} needs a value`);
			flags[arg.slice(2)] = argv[++i];
		} else if (arg.startsWith("--")) fail(`unknown option ${arg}\n\n${USAGE}`);
		else positional.push(arg);
	}
	return { positional, flags };
}

const port = Number(process.env.PORT ?? "8787");
const stateDir = resolve(process.env.STATE_DIR ?? ".wrangler/state");
const serverName = process.env.SERVER_NAME ?? `localhost:${port}`;

/** Applies D1 migrations exactly as npm start does, so a fresh state dir gets the schema first. */
function migrate() {
	mkdirSync(stateDir, { recursive: true });
	// Spawning wrangler takes seconds: skip it when every migration file is already applied.
	const wanted = readdirSync(resolve("migrations")).filter((f) => f.endsWith(".sql"));
	for (const file of sqliteFiles(join(stateDir, "v3/d1/miniflare-D1DatabaseObject"))) {
		const db = new DatabaseSync(file);
		try {
			if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'd1_migrations'").get()) continue;
			const applied = new Set(db.prepare("SELECT name FROM d1_migrations").all().map((r) => r.name));
			if (wanted.every((f) => applied.has(f))) return;
		} finally {
			db.close();
		}
	}
	const quiet = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true", CI: "true" };
	const run = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
		env: { ...process.env, ...quiet },
		stdio: ["ignore", "ignore", "inherit"],
	});
	if (run.status !== 0) fail("applying D1 migrations failed");
}

function sqliteFiles(dir) {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").map((f) => join(dir, f));
}

/** The D1 database file: the one that holds the accounts table. */
function openD1() {
	for (const file of sqliteFiles(join(stateDir, "v3/d1/miniflare-D1DatabaseObject"))) {
		const db = new DatabaseSync(file);
		if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'").get()) return db;
		db.close();
	}
	fail(`no sealbridge D1 database under ${stateDir}`);
}

/** Deletes every device of `userId` in its UserDO (tokens and keys go with them), if the object exists. */
function deleteAllDevices(userId) {
	for (const file of sqliteFiles(join(stateDir, "v3/do/sealbridge-UserDO"))) {
		const db = new DatabaseSync(file);
		try {
			const owner = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'user_meta'").get() && db.prepare("SELECT user_id FROM user_meta").get();
			if (owner?.user_id !== userId) continue;
			db.exec("PRAGMA foreign_keys = ON");
			db.exec("BEGIN");
			for (const table of ["refresh_tokens", "access_tokens", "to_device_inbox", "sync_cursors"]) {
				if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)) db.exec(`DELETE FROM ${table}`);
			}
			const n = db.prepare("DELETE FROM devices").run().changes;
			db.exec("COMMIT");
			return n;
		} finally {
			db.close();
		}
	}
	return 0;
}

const LOCALPART = /^[a-z0-9._=\-/+]+$/;

/**
 * A 3PID as the server stores it (src/platform/threepids.ts canonicalThreepid): e-mail trimmed and lower-cased;
 * a phone number as E.164 digits without "+" (Matrix's msisdn form). Fails on anything else.
 */
function threepidOf(medium, address) {
	if (medium !== "email" && medium !== "msisdn") fail("the medium is email or msisdn");
	if (!address) fail("ADDRESS is required");
	if (medium === "email") {
		const email = address.trim().toLowerCase();
		if (!/^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(email)) fail(`not an e-mail address: ${JSON.stringify(address)}`);
		return { medium, address: email };
	}
	const digits = address.trim().replace(/[\s\-().]/g, "").replace(/^\+/, "");
	if (!/^[1-9][0-9]{6,14}$/.test(digits)) fail(`not an E.164 phone number: ${JSON.stringify(address)} (country code first, e.g. +447700900123)`);
	return { medium, address: digits };
}

function userIdOf(name) {
	if (!name) fail("NAME is required");
	const localpart = name.startsWith("@") ? name.slice(1, name.indexOf(":") < 0 ? undefined : name.indexOf(":")) : name.toLowerCase();
	if (!LOCALPART.test(localpart)) fail(`invalid user name ${JSON.stringify(name)}: use a-z, 0-9, . _ = - / +`);
	const userId = `@${localpart}:${serverName}`;
	if (Buffer.byteLength(userId) > 255) fail("user ID longer than 255 bytes");
	return { localpart, userId };
}

async function main() {
	const [command, ...rest] = process.argv.slice(2);
	const { positional, flags } = parseArgs(rest);
	if (command === undefined || command === "--help" || command === "-h" || command === "help") {
		console.log(USAGE);
		return;
	}
	if (!(command in COMMAND_HELP)) fail(`unknown command ${command}\n\n${USAGE}`);
	if (flags.help) {
		console.log(`Usage: npm run admin -- ${COMMAND_HELP[command]}`);
		return;
	}
	migrate();
	const db = openD1();
	try {
		switch (command) {
			case "create-user": {
				const { localpart, userId } = userIdOf(positional[0]);
				const password = flags.password ?? randomBytes(15).toString("base64url");
				const hash = await hashPassword(password);
				const result = db
					.prepare("INSERT INTO accounts (user_id, localpart, password_hash, is_admin, is_operator, is_guest, deactivated, created_ts) VALUES (?, ?, ?, ?, ?, 0, 0, ?) ON CONFLICT DO NOTHING")
					.run(userId, localpart, hash, flags.admin ? 1 : 0, flags.operator ? 1 : 0, Date.now());
				if (result.changes === 0) fail(`${userId} already exists`);
				console.log(`created ${userId}${flags.admin ? " (admin)" : ""}${flags.operator ? " (operator)" : ""}`);
				if (flags.password === undefined) console.log(`password: ${password}`);
				break;
			}
			case "reset-password": {
				const { userId } = userIdOf(positional[0]);
				if (flags.password === undefined) fail("--password is required");
				const result = db.prepare("UPDATE accounts SET password_hash = ? WHERE user_id = ?").run(await hashPassword(flags.password), userId);
				if (result.changes === 0) fail(`no account ${userId}`);
				console.log(`password of ${userId} reset; ${deleteAllDevices(userId)} device(s) logged out`);
				break;
			}
			case "deactivate": {
				const { userId } = userIdOf(positional[0]);
				const result = db.prepare("UPDATE accounts SET deactivated = 1 WHERE user_id = ?").run(userId);
				if (result.changes === 0) fail(`no account ${userId}`);
				// Only recorded here: the erasure itself, and the hold check, are the server's (src/platform/deactivation-erasure.ts).
				if (flags.erase) db.prepare("INSERT INTO pending_erasures (user_id, requested_ts) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING").run(userId, Date.now());
				const erase = flags.erase ? "; its profile is erased by the server's hourly job once no preservation hold names it" : "";
				console.log(`deactivated ${userId}; ${deleteAllDevices(userId)} device(s) logged out${erase}`);
				break;
			}
			case "list-users": {
				const rows = db.prepare("SELECT user_id, is_admin, is_operator, deactivated, created_ts FROM accounts ORDER BY created_ts, user_id").all();
				for (const r of rows) {
					const flagsText = [r.is_admin ? "admin" : "", r.is_operator ? "operator" : "", r.deactivated ? "deactivated" : ""].filter(Boolean).join(",");
					console.log(`${r.user_id}\t${flagsText || "-"}\t${new Date(Number(r.created_ts)).toISOString()}`);
				}
				if (rows.length === 0) console.log("(no users)");
				break;
			}
			case "add-threepid": {
				const { userId } = userIdOf(positional[0]);
				const threepid = threepidOf(positional[1], positional[2]);
				if (!db.prepare("SELECT 1 FROM accounts WHERE user_id = ?").get(userId)) fail(`no account ${userId}`);
				const owner = db.prepare("SELECT user_id FROM user_threepids WHERE medium = ? AND address = ?").get(threepid.medium, threepid.address);
				if (owner) fail(owner.user_id === userId ? `${userId} already has ${threepid.medium} ${threepid.address}` : `${threepid.medium} ${threepid.address} belongs to another account`);
				const now = Date.now();
				db.prepare("INSERT INTO user_threepids (medium, address, user_id, added_ts, validated_ts) VALUES (?, ?, ?, ?, ?)").run(threepid.medium, threepid.address, userId, now, now);
				console.log(`added ${threepid.medium} ${threepid.address} to ${userId}`);
				break;
			}
			case "remove-threepid": {
				const { userId } = userIdOf(positional[0]);
				const threepid = threepidOf(positional[1], positional[2]);
				const result = db.prepare("DELETE FROM user_threepids WHERE user_id = ? AND medium = ? AND address = ?").run(userId, threepid.medium, threepid.address);
				if (result.changes === 0) fail(`${userId} has no ${threepid.medium} ${threepid.address}`);
				console.log(`removed ${threepid.medium} ${threepid.address} from ${userId}`);
				break;
			}
			case "create-registration-token": {
				const token = positional[0];
				if (!token || !/^[A-Za-z0-9._~-]{1,64}$/.test(token)) fail("TOKEN must be 1-64 characters of [A-Za-z0-9._~-]");
				const uses = flags.uses === undefined ? null : Number(flags.uses);
				if (uses !== null && !(Number.isInteger(uses) && uses > 0)) fail("--uses must be a positive integer");
				const result = db.prepare("INSERT INTO registration_tokens (token, uses_allowed, created_ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").run(token, uses, Date.now());
				if (result.changes === 0) fail(`token ${token} already exists`);
				console.log(`registration token ${token} created (${uses ?? "unlimited"} uses)`);
				break;
			}
		}
	} finally {
		db.close();
	}
}

await main();
