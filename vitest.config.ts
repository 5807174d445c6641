import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// No telemetry, no Request.cf download, no update check from wrangler/miniflare code in this process.
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_HIDE_BANNER ??= "true";
process.env.X_LOCAL_OBSERVABILITY ??= "false"; // no local trace store (scripts/start.mjs)

/** A loopback port nothing listens on (the discard port): connections are refused immediately. */
const CLOSED_DOH = "http://127.0.0.1:9/dns-query";

/** Outbound fetches in workerd tests: refused like an unreachable host (tests that talk to a peer stub fetch). */
function unreachable(request: Request): Response {
	throw new Error(`tests reach no network: ${new URL(request.url).host}`);
}

export default defineConfig(async () => {
	// Read D1 migrations in Node; test/integration/apply-migrations.ts applies them inside workerd.
	const migrations = await readD1Migrations("./migrations");
	return {
		test: {
			// CI reads the last line that summary-reporter prints ("N passed, N failed").
			reporters: ["default", "./scripts/summary-reporter.ts"],
			projects: [
				{
					// Pure protocol logic and policies, in plain Node.
					test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"] },
				},
				{
					// Routes, Durable Objects and storage inside workerd with real local bindings.
					plugins: [
						cloudflareTest({
							wrangler: { configPath: "./wrangler.toml" },
							// Tests never reach the public internet: DNS-over-HTTPS goes to a closed loopback port, so
							// discovery for the made-up remote servers in tests fails at once instead of asking a public resolver.
							miniflare: {
								bindings: { TEST_MIGRATIONS: migrations, ENVIRONMENT: "test", FEDERATION_DOH_URL: CLOSED_DOH },
								// Every fetch a test does not route itself ends here, in Node, and fails at once like an
								// unreachable host: no DNS lookups, no sockets to invented servers from inside workerd.
								outboundService: unreachable,
							},
						}),
					],
					test: {
						name: "integration",
						include: ["test/integration/**/*.test.ts"],
						setupFiles: ["./test/integration/apply-migrations.ts"],
					},
				},
				{
					// Whole servers on 127.0.0.1 (wrangler createTestHarness or `npm start`), driven over HTTP.
					test: {
						name: "e2e",
						environment: "node",
						include: ["test/e2e/**/*.test.ts"],
						// One e2e file at a time: each starts two or three workerd servers, and on a 2-CPU machine
						// (with the integration pool running beside it) parallel files made starts miss their deadlines.
						fileParallelism: false,
						// A server start can take over a minute on a loaded machine, and some tests restart servers.
						testTimeout: 180_000,
						hookTimeout: 300_000,
					},
				},
			],
		},
	};
});
