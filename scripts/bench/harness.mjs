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

/** Whether a /sync response shows `eventId` in the timeline of joined room `roomId`. */
export function syncShows(sync, roomId, eventId) {
	return sync?.rooms?.join?.[roomId]?.timeline?.events?.some((e) => e.event_id === eventId) === true;
}

/**
 * The send -> /sync step every bench shares: start the other member's long-poll (`poll`), give it 20 ms to
 * park, send, and await both. Answers the milliseconds from the send to the poll's answer (or to the send's own
 * answer, if that came later), to the send's own answer (`ackMs`), and the poll's answer.
 * Throws when the figure would not be one: a poll that answered before the send (its token was behind, so
 * it showed older events and the figure would time the send alone), or an answer in which `shows(answer,
 * sent)` does not find what was sent.
 */
export async function sendToWokenSync(poll, send, shows) {
	let answered = false;
	const answer = poll().finally(() => {
		answered = true;
	});
	await new Promise((r) => setTimeout(r, 20));
	if (answered) throw new Error("send -> /sync: the long-poll answered before the send (its since token was behind)");
	const t0 = performance.now();
	const sent = await send();
	const ackMs = performance.now() - t0;
	const body = await answer;
	const ms = performance.now() - t0;
	if (!shows(body, sent)) throw new Error("send -> /sync: the long-poll's answer does not show the sent event");
	return { ms, ackMs, body };
}
