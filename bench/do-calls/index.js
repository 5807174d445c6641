// A Durable Object whose methods each do one of the things sealbridge's objects do per request: nothing (the
// call alone), one read, three reads, a read inside transactionSync, one write (the reply then waits for the
// commit to be durable), and a SHA-256. GET /calls?op=OP&n=N makes N sequential calls from one request;
// GET /call?op=OP makes one call per request.
import { DurableObject } from "cloudflare:workers";

export class Probe extends DurableObject {
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
	}
	nothing(x) {
		return x;
	}
	read(x) {
		return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM kv WHERE k = ?", x % 100).one().n;
	}
	read3(x) {
		const sql = this.ctx.storage.sql;
		return ["k = ?", "k > ?", "k < ?"].reduce((n, where) => n + sql.exec(`SELECT count(*) AS n FROM kv WHERE ${where}`, x % 100).one().n, 0);
	}
	readInTransaction(x) {
		return this.ctx.storage.transactionSync(() => this.read(x));
	}
	write(x) {
		this.ctx.storage.sql.exec("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", x % 100, `value ${x}`);
		return x;
	}
	async sha256(x) {
		return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`token ${x}`)))[0];
	}
}

const OPS = new Set(["nothing", "read", "read3", "readInTransaction", "write", "sha256"]);

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const op = url.searchParams.get("op") ?? "nothing";
		if (!OPS.has(op)) return new Response("unknown op", { status: 400 });
		const probe = env.PROBE.get(env.PROBE.idFromName("probe"));
		if (url.pathname === "/call") return new Response(String(await probe[op](1)));
		if (url.pathname === "/calls") {
			const n = Math.min(10_000, Math.max(1, Number(url.searchParams.get("n")) || 1000));
			for (let i = 0; i < n; i++) await probe[op](i);
			return new Response("done");
		}
		return new Response("hello");
	},
};
