// The admin CLI (`npm run admin`, scripts/admin.mjs) against a real persisted state: a user created offline
// logs in over HTTP once `npm start` runs on that state; deactivating offline ends the sessions and login, and
// with --erase records the erasure for the server's hourly job.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { freePort, newStateDir, startServer } from "./run-server";

function admin(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
	const root = resolve(".");
	const run = spawnSync(process.execPath, [join(root, "scripts/admin.mjs"), ...args], {
		cwd: root,
		encoding: "utf8",
		env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`, ...env },
	});
	return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function post(baseUrl: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (token !== undefined) headers.authorization = `Bearer ${token}`;
	const res = await fetch(`${baseUrl}/_matrix/client/v3${path}`, { method: body === undefined ? "GET" : "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The pending erasures in a stopped server's persisted D1 (the file that holds them, as the CLI finds it). */
function pendingErasures(stateDir: string): { user_id: string; requested_ts: number }[] {
	const dir = join(stateDir, "v3/d1/miniflare-D1DatabaseObject");
	for (const file of readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")) {
		const db = new DatabaseSync(join(dir, file), { readOnly: true });
		try {
			if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pending_erasures'").get()) {
				return db.prepare("SELECT user_id, requested_ts FROM pending_erasures").all() as { user_id: string; requested_ts: number }[];
			}
		} finally {
			db.close();
		}
	}
	throw new Error(`no D1 database under ${stateDir}`);
}

const loginBody = (user: string, password: string) => ({ type: "m.login.password", identifier: { type: "m.id.user", user }, password });

describe("admin CLI", () => {
	it("prints help for the CLI and each command, and refuses unknown commands", () => {
		const help = admin(["--help"], {});
		expect(help.status).toBe(0);
		for (const command of ["create-user", "reset-password", "deactivate", "list-users", "add-threepid", "remove-threepid"]) {
			expect(help.stdout).toContain(command);
			const one = admin([command, "--help"], {});
			expect([one.status, one.stdout.startsWith(`Usage: npm run admin -- ${command}`)]).toEqual([0, true]);
		}
		expect(admin(["deactivate", "--help"], {}).stdout).toContain("deactivate NAME [--erase]");
		expect(admin(["frobnicate"], {}).status).toBe(1);
	});

	it("creates a user offline who then logs in over HTTP; deactivation offline ends sessions and login", async () => {
		const stateDir = newStateDir("admin");
		const port = await freePort();
		const env = { STATE_DIR: stateDir, PORT: String(port), SERVER_NAME: `127.0.0.1:${port}` };
		const created = admin(["create-user", "Olivia", "--password", "olivia-pw", "--operator"], env);
		expect(created.status, created.stderr).toBe(0);
		expect(created.stdout).toContain(`created @olivia:127.0.0.1:${port} (operator)`);
		expect(admin(["create-user", "olivia", "--password", "x"], env).status).toBe(1);
		expect(admin(["list-users"], env).stdout).toMatch(new RegExp(`^@olivia:127\\.0\\.0\\.1:${port}\\toperator\\t`, "m"));

		let server = await startServer({ port, stateDir, serverName: `127.0.0.1:${port}` });
		let token: string;
		try {
			const login = await post(server.baseUrl, "/login", loginBody("olivia", "olivia-pw"));
			expect(login.status, JSON.stringify(login.body)).toBe(200);
			expect(login.body.user_id).toBe(`@olivia:127.0.0.1:${port}`);
			token = login.body.access_token as string;
			expect((await post(server.baseUrl, "/login", loginBody("olivia", "wrong"))).status).toBe(403);
		} finally {
			await server.stop();
		}

		const before = Date.now();
		const deactivated = admin(["deactivate", "olivia", "--erase"], env);
		expect(deactivated.status, deactivated.stderr).toBe(0);
		expect(deactivated.stdout).toContain("1 device(s) logged out; its profile is erased by the server's hourly job once no preservation hold names it");
		// Recorded only: the server's hourly job erases (the same code as the client API's erase, tested in workerd).
		const pending = pendingErasures(stateDir);
		expect(pending.map((p) => p.user_id)).toEqual([`@olivia:127.0.0.1:${port}`]);
		expect(pending[0]!.requested_ts).toBeGreaterThanOrEqual(before);

		server = await startServer({ port, stateDir, serverName: `127.0.0.1:${port}` });
		try {
			expect((await post(server.baseUrl, "/account/whoami", undefined, token)).status).toBe(401);
			const again = await post(server.baseUrl, "/login", loginBody("olivia", "olivia-pw"));
			expect([again.status, again.body.errcode]).toEqual([403, "M_USER_DEACTIVATED"]);
		} finally {
			await server.stop();
		}
	}, 180_000);

	it("attaches operator-verified 3PIDs offline, canonicalised; the user sees them in GET /account/3pid", async () => {
		const stateDir = newStateDir("admin-3pid");
		const port = await freePort();
		const env = { STATE_DIR: stateDir, PORT: String(port), SERVER_NAME: `127.0.0.1:${port}` };
		expect(admin(["create-user", "tess", "--password", "tess-pw"], env).status).toBe(0);
		const before = Date.now();
		const email = admin(["add-threepid", "tess", "email", " Tess@Example.ORG "], env);
		expect([email.status, email.stdout.trim()]).toEqual([0, `added email tess@example.org to @tess:127.0.0.1:${port}`]);
		expect(admin(["add-threepid", "tess", "msisdn", "+44 7700-900123"], env).status).toBe(0);
		expect(admin(["add-threepid", "tess", "msisdn", "+44 7700 900124"], env).status).toBe(0);
		expect(admin(["remove-threepid", "tess", "msisdn", "+447700900124"], env).status).toBe(0);
		// Refused: a second owner, a malformed number, an unknown medium, an unknown account.
		expect(admin(["create-user", "uma", "--password", "uma-pw"], env).status).toBe(0);
		expect(admin(["add-threepid", "uma", "email", "tess@example.org"], env).stderr).toContain("belongs to another account");
		expect(admin(["add-threepid", "tess", "msisdn", "07700 900123"], env).status).toBe(1);
		expect(admin(["add-threepid", "tess", "fax", "1"], env).status).toBe(1);
		expect(admin(["add-threepid", "nobody", "email", "n@example.org"], env).status).toBe(1);

		const server = await startServer({ port, stateDir, serverName: `127.0.0.1:${port}` });
		try {
			const login = await post(server.baseUrl, "/login", loginBody("tess", "tess-pw"));
			const listed = await post(server.baseUrl, "/account/3pid", undefined, login.body.access_token as string);
			expect(listed.status).toBe(200);
			const threepids = listed.body.threepids as { medium: string; address: string; added_at: number; validated_at: number }[];
			expect(threepids.map((t) => [t.medium, t.address])).toEqual([["email", "tess@example.org"], ["msisdn", "447700900123"]]);
			for (const t of threepids) expect(t.added_at >= before && t.validated_at === t.added_at).toBe(true);
		} finally {
			await server.stop();
		}
	}, 180_000);
});
