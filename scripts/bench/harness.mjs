// What every bench starts the same way: wrangler without metrics, banner or its local trace collector (as
// scripts/start.mjs runs npm start), sealbridge next to the hello-world worker in one workerd, and where
// requests go (wrangler's dev proxy, as npm start serves them, or straight to each worker); and the
// send -> /sync step.
import { createTestHarness } from "wrangler";

/** Sets wrangler's quiet defaults; an explicit setting in the environment wins. */
export function quietWrangler() {
	process.env.WRANGLER_SEND_METRICS ??= "false";
	process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
	process.env.WRANGLER_HIDE_BANNER ??= "true";
	process.env.X_LOCAL_OBSERVABILITY ??= "false";
}

/** sealbridge (checked out in `dir`, with `vars` on top of the bench's own) and hello-world, in one harness. */
export function sealbridgeWithHello(dir = ".", vars = {}) {
	quietWrangler();
	return createTestHarness({
		workers: [
			{
				configPath: `${dir}/wrangler.toml`,
				vars: { SERVER_NAME: "localhost", ENABLE_REGISTRATION: "true", ENVIRONMENT: "test", FEDERATION_DOH_URL: "http://127.0.0.1:9/dns-query", ...vars },
			},
			{ configPath: `${dir}/bench/hello-world/wrangler.toml` },
		],
	});
}

/** What requests are sent to: the harness (through the dev proxy), or each worker directly, chosen by host. */
export function requestTarget(server, direct) {
	if (!direct) return server;
	const workers = { sealbridge: server.getWorker("sealbridge"), hello: server.getWorker("hello-world") };
	return {
		fetch: (input, init) => (new URL(typeof input === "string" ? input : input.url).hostname === "hello.bench" ? workers.hello : workers.sealbridge).fetch(input, init),
	};
}

/**
 * The send -> /sync step every bench shares: start the other member's long-poll (`poll`), give it 20 ms to
 * park, send, and await both. Answers the milliseconds from the send to the poll's answer, and that answer.
 */
export async function sendToWokenSync(poll, send) {
	const answer = poll();
	await new Promise((r) => setTimeout(r, 20));
	const t0 = performance.now();
	await send();
	const body = await answer;
	return { ms: performance.now() - t0, body };
}
