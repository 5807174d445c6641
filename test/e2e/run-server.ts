// Starts a whole sealbridge server by the run contract (`npm start` = scripts/start.mjs) on 127.0.0.1,
// for end-to-end tests. Each server gets a free port, its own name and its own state directory.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface RunningServer {
	port: number;
	serverName: string;
	stateDir: string;
	baseUrl: string;
	/** Output so far, for diagnosing a failed start. */
	log: () => string;
	stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
	return new Promise((ok, fail) => {
		const srv = createServer();
		srv.once("error", fail);
		srv.listen(0, "127.0.0.1", () => {
			const addr = srv.address();
			const port = typeof addr === "object" && addr ? addr.port : 0;
			srv.close(() => ok(port));
		});
	});
}

export function newStateDir(label: string): string {
	return mkdtempSync(join(tmpdir(), `sealbridge-${label}-`));
}

function stopProcessGroup(child: ChildProcess): Promise<void> {
	return new Promise((ok) => {
		if (child.exitCode !== null || child.pid === undefined) return ok();
		const timer = setTimeout(() => {
			try {
				process.kill(-child.pid!, "SIGKILL");
			} catch {}
		}, 5_000);
		child.once("exit", () => {
			clearTimeout(timer);
			ok();
		});
		try {
			// The group holds only what this test started: start.mjs, wrangler and its workerd.
			process.kill(-child.pid, "SIGTERM");
		} catch {
			ok();
		}
	});
}

/** Runs `node scripts/start.mjs` (what `npm start` runs) and waits until the server answers. */
/** `serverName: null` leaves SERVER_NAME unset, to check the default (`localhost:PORT`). */
/** `startTimeoutMs` (default 180 s): how long to wait for the first answer; a loaded 2-CPU machine has needed over 60 s. */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
	// A port found free can be taken by another process before wrangler binds it (the test layers run side
	// by side, and workerd and wrangler pick ephemeral ports too): when the port was ours to choose, choose again.
	for (let attempt = 1; ; attempt++) {
		try {
			return await startOnce(opts, opts.port ?? (await freePort()));
		} catch (err) {
			const inUse = err instanceof Error && err.message.includes("Address already in use");
			if (!inUse || opts.port !== undefined || attempt >= 3) throw err;
		}
	}
}

interface StartOptions {
	port?: number;
	serverName?: string | null;
	stateDir: string;
	env?: Record<string, string>;
	startTimeoutMs?: number;
}

async function startOnce(opts: StartOptions, port: number): Promise<RunningServer> {
	const serverName = opts.serverName === null ? `localhost:${port}` : (opts.serverName ?? `127.0.0.1:${port}`);
	// DNS-over-HTTPS to a closed loopback port: e2e servers federate only with each other on 127.0.0.1.
	const env: Record<string, string | undefined> = { ...process.env, FEDERATION_DOH_URL: "http://127.0.0.1:9/dns-query", SERVER_NAME: serverName };
	if (opts.serverName === null) delete env.SERVER_NAME;
	const root = resolve(".");
	const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
		cwd: root,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...env,
			PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
			PORT: String(port),
			STATE_DIR: opts.stateDir,
			...opts.env,
		},
	});
	let output = "";
	child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
	child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
	const baseUrl = `http://127.0.0.1:${port}`;
	const startTimeoutMs = opts.startTimeoutMs ?? 180_000;
	const deadline = Date.now() + startTimeoutMs;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
		try {
			const res = await fetch(`${baseUrl}/_matrix/client/versions`, { signal: AbortSignal.timeout(2_000) });
			if (res.ok) break;
		} catch {}
		if (Date.now() > deadline) {
			await stopProcessGroup(child);
			throw new Error(`server did not answer within ${startTimeoutMs / 1000} s:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	return { port, serverName, stateDir: opts.stateDir, baseUrl, log: () => output, stop: () => stopProcessGroup(child) };
}
