// loadConfig: defaults, every accepted form, each rejected setting, and all problems reported together.
import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigSource, loadConfig, loopbackScheme, SETTING_NAMES } from "../../src/platform/config";
import { encodeBase64 } from "../../src/protocol/json/base64";

const SEED = encodeBase64(new Uint8Array(32).fill(7));
const OLD_KEY = encodeBase64(new Uint8Array(32).fill(9));

/** The problems loadConfig reports for `env`, or [] when it accepts it. */
function problemsOf(env: ConfigSource): readonly string[] {
	try {
		loadConfig(env);
		return [];
	} catch (err) {
		if (err instanceof ConfigError) return err.problems;
		throw err;
	}
}

describe("loadConfig accepts", () => {
	it("a server name alone, with every default", () => {
		expect(loadConfig({ SERVER_NAME: "example.org" })).toEqual({
			serverName: "example.org",
			environment: "development",
			publicBaseUrl: "https://example.org",
			enableRegistration: false,
			encryptNewRooms: true,
			defaultRoomVersion: "11",
			maxUploadBytes: 50 * 1024 * 1024,
			urlPreviews: true,
			federationInsecureLoopback: false,
			federationCaFile: undefined,
			federationDohUrl: "https://cloudflare-dns.com/dns-query",
			wellKnownServer: undefined,
			signingKey: undefined,
			oldVerifyKeys: {},
			keyValidityMs: 7 * 24 * 60 * 60 * 1000,
			logLevel: "info",
			lawfulTrustStore: undefined,
			lawfulProviderKey: undefined,
			sessionIpRetentionDays: 28,
			mediaMetadataRetentionDays: 28,
			lawfulGreyData: false,
			lawfulDeliveryTtlDays: 7,
			turnUris: [],
			turnSharedSecret: undefined,
			turnTtlSeconds: 86400,
			supportContactEmail: undefined,
			supportPage: undefined,
			rateLimitPercent: 1000,
			tokenCacheMs: 5000,
		});
	});

	it("a token cache lifetime from 0 (ask the UserDO every time) to a minute, nothing outside", () => {
		expect(loadConfig({ SERVER_NAME: "example.org", TOKEN_CACHE_MS: "0" }).tokenCacheMs).toBe(0);
		expect(loadConfig({ SERVER_NAME: "example.org", TOKEN_CACHE_MS: "60000" }).tokenCacheMs).toBe(60000);
		expect(problemsOf({ SERVER_NAME: "example.org", TOKEN_CACHE_MS: "-1" })).toEqual(['TOKEN_CACHE_MS must be a non-negative integer, got "-1"']);
		expect(problemsOf({ SERVER_NAME: "example.org", TOKEN_CACHE_MS: "60001" })).toEqual(["TOKEN_CACHE_MS must be at most 60000, got 60001"]);
	});

	it("lawful-access settings: JSON texts must parse, the secret key is never echoed", () => {
		const problems = problemsOf({ SERVER_NAME: "example.org", LAWFUL_TRUST_STORE: "{nope", LAWFUL_PROVIDER_KEY: "{\"d\":\"SECRET", SESSION_IP_RETENTION_DAYS: "0" });
		expect(problems).toHaveLength(3);
		expect(problems.join("\n")).not.toContain("SECRET");
		const ok = loadConfig({ SERVER_NAME: "example.org", LAWFUL_TRUST_STORE: '{"authorities":[]}', SESSION_IP_RETENTION_DAYS: "3" });
		expect(ok.lawfulTrustStore).toBe('{"authorities":[]}');
		expect(ok.sessionIpRetentionDays).toBe(3);
	});

	it.each([
		["localhost:8787", "http://localhost:8787"],
		["hs1.localhost", "http://hs1.localhost"],
		["127.0.0.1:8448", "http://127.0.0.1:8448"],
		["[::1]:8448", "http://[::1]:8448"],
		["[2001:db8::1]", "https://[2001:db8::1]"],
		["matrix.example.org:8448", "https://matrix.example.org:8448"],
	])("server name %s, defaulting the base URL to %s", (name, base) => {
		const config = loadConfig({ SERVER_NAME: name });
		expect(config.serverName).toBe(name);
		expect(config.publicBaseUrl).toBe(base);
	});

	it("every setting given explicitly", () => {
		const config = loadConfig({
			SERVER_NAME: "example.org",
			ENVIRONMENT: "production",
			PUBLIC_BASEURL: "https://matrix.example.org/",
			ENABLE_REGISTRATION: "1",
			ENCRYPT_NEW_ROOMS: "false",
			DEFAULT_ROOM_VERSION: "12",
			MAX_UPLOAD_BYTES: "1048576",
			URL_PREVIEWS: "false",
			FEDERATION_INSECURE_LOOPBACK: "0",
			FEDERATION_DOH_URL: "https://dns.example/dns-query",
			WELL_KNOWN_SERVER: "matrix.example.org:443",
			SIGNING_KEY: `ed25519 a_bc1 ${SEED}\n`,
			OLD_VERIFY_KEYS: JSON.stringify({ "ed25519:old": { key: OLD_KEY, expired_ts: 1700000000000 } }),
			KEY_VALIDITY_MS: "3600000",
			LOG_LEVEL: "debug",
		});
		expect(config).toMatchObject({
			environment: "production",
			publicBaseUrl: "https://matrix.example.org",
			enableRegistration: true,
			encryptNewRooms: false,
			defaultRoomVersion: "12",
			maxUploadBytes: 1048576,
			urlPreviews: false,
			federationInsecureLoopback: false,
			federationDohUrl: "https://dns.example/dns-query",
			wellKnownServer: "matrix.example.org:443",
			oldVerifyKeys: { "ed25519:old": { key: OLD_KEY, expired_ts: 1700000000000 } },
			keyValidityMs: 3600000,
			logLevel: "debug",
		});
		expect(config.signingKey?.keyId).toBe("ed25519:a_bc1");
		expect(config.signingKey?.seed).toEqual(new Uint8Array(32).fill(7));
	});

	it("a private CA for local federation through a TLS front", () => {
		const config = loadConfig({ SERVER_NAME: "127.0.0.1:8787", FEDERATION_INSECURE_LOOPBACK: "true", FEDERATION_CA_FILE: "/tmp/ca.pem" });
		expect(config.federationCaFile).toBe("/tmp/ca.pem");
		expect(loopbackScheme(config)).toBe("https");
		expect(loopbackScheme(loadConfig({ SERVER_NAME: "127.0.0.1:8787" }))).toBe("http");
	});

	it("numbers and booleans from wrangler.toml [vars], and empty strings as unset", () => {
		const config = loadConfig({ SERVER_NAME: "example.org", ENABLE_REGISTRATION: true, KEY_VALIDITY_MS: 60000, LOG_LEVEL: "" });
		expect(config.enableRegistration).toBe(true);
		expect(config.keyValidityMs).toBe(60000);
		expect(config.logLevel).toBe("info");
	});
});

describe("loadConfig rejects", () => {
	it.each<[string, ConfigSource, RegExp]>([
		["a missing server name", {}, /SERVER_NAME is required/],
		["a server name with a path", { SERVER_NAME: "example.org/x" }, /SERVER_NAME is not a valid server name/],
		["a server name with a bad port", { SERVER_NAME: "example.org:99999" }, /SERVER_NAME is not a valid server name/],
		["an unknown environment", { SERVER_NAME: "a.org", ENVIRONMENT: "staging" }, /ENVIRONMENT must be one of development, test, production/],
		["a non-URL base URL", { SERVER_NAME: "a.org", PUBLIC_BASEURL: "matrix.a.org" }, /PUBLIC_BASEURL is not a URL/],
		["a base URL with a query", { SERVER_NAME: "a.org", PUBLIC_BASEURL: "https://a.org/?x=1" }, /PUBLIC_BASEURL must not carry/],
		["a non-http base URL", { SERVER_NAME: "a.org", PUBLIC_BASEURL: "ftp://a.org" }, /PUBLIC_BASEURL must be an http/],
		["a bool spelled yes", { SERVER_NAME: "a.org", ENABLE_REGISTRATION: "yes" }, /ENABLE_REGISTRATION must be true, false, 1 or 0/],
		["a bool spelled TRUE", { SERVER_NAME: "a.org", ENCRYPT_NEW_ROOMS: "TRUE" }, /ENCRYPT_NEW_ROOMS must be true, false, 1 or 0/],
		["a room version we do not create", { SERVER_NAME: "a.org", DEFAULT_ROOM_VERSION: "9" }, /DEFAULT_ROOM_VERSION must be one of 10, 11, 12/],
		["a fractional upload limit", { SERVER_NAME: "a.org", MAX_UPLOAD_BYTES: "1.5" }, /MAX_UPLOAD_BYTES must be a non-negative integer/],
		["a zero upload limit", { SERVER_NAME: "a.org", MAX_UPLOAD_BYTES: "0" }, /MAX_UPLOAD_BYTES must be at least 1/],
		["insecure loopback in production", { SERVER_NAME: "a.org", ENVIRONMENT: "production", SIGNING_KEY: `ed25519 k ${SEED}`, FEDERATION_INSECURE_LOOPBACK: "true" }, /FEDERATION_INSECURE_LOOPBACK=true is refused/],
		["a private CA in production", { SERVER_NAME: "a.org", ENVIRONMENT: "production", SIGNING_KEY: `ed25519 k ${SEED}`, FEDERATION_CA_FILE: "/etc/ca.pem" }, /FEDERATION_CA_FILE is for local runs/],
		["production without a signing key", { SERVER_NAME: "a.org", ENVIRONMENT: "production" }, /SIGNING_KEY is required when ENVIRONMENT=production/],
		["a signing key of the wrong algorithm", { SERVER_NAME: "a.org", SIGNING_KEY: `curve25519 k ${SEED}` }, /SIGNING_KEY must be/],
		["a signing key with a bad version", { SERVER_NAME: "a.org", SIGNING_KEY: `ed25519 a-b ${SEED}` }, /SIGNING_KEY must be/],
		["a signing key with a short seed", { SERVER_NAME: "a.org", SIGNING_KEY: "ed25519 k AAAA" }, /SIGNING_KEY must be/],
		["a delegation without a port", { SERVER_NAME: "a.org", WELL_KNOWN_SERVER: "matrix.a.org" }, /WELL_KNOWN_SERVER must be host:port/],
		["old keys that are not JSON", { SERVER_NAME: "a.org", OLD_VERIFY_KEYS: "{" }, /OLD_VERIFY_KEYS is not valid JSON/],
		["old keys as an array", { SERVER_NAME: "a.org", OLD_VERIFY_KEYS: "[]" }, /OLD_VERIFY_KEYS must be a JSON object/],
		["an old key with a bad ID", { SERVER_NAME: "a.org", OLD_VERIFY_KEYS: JSON.stringify({ "rsa:x": { key: OLD_KEY, expired_ts: 1 } }) }, /is not an ed25519 key ID/],
		["an old key that is not 32 bytes", { SERVER_NAME: "a.org", OLD_VERIFY_KEYS: JSON.stringify({ "ed25519:x": { key: "AAAA", expired_ts: 1 } }) }, /\.key must be base64 of 32 bytes/],
		["an old key without expired_ts", { SERVER_NAME: "a.org", OLD_VERIFY_KEYS: JSON.stringify({ "ed25519:x": { key: OLD_KEY } }) }, /expired_ts must be a timestamp/],
		["a key validity over 7 days", { SERVER_NAME: "a.org", KEY_VALIDITY_MS: String(8 * 86400000) }, /KEY_VALIDITY_MS must be between/],
		["an unknown log level", { SERVER_NAME: "a.org", LOG_LEVEL: "trace" }, /LOG_LEVEL must be one of debug, info, warn, error/],
		["a setting that is not a string", { SERVER_NAME: "a.org", LOG_LEVEL: { level: "info" } }, /LOG_LEVEL must be a string/],
	])("%s", (_name, env, problem) => {
		const problems = problemsOf(env);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(problem);
	});

	it("reports every problem at once, in one error that lists them", () => {
		const env = { ENVIRONMENT: "production", ENABLE_REGISTRATION: "maybe", DEFAULT_ROOM_VERSION: "1", LOG_LEVEL: "loud" };
		expect(problemsOf(env)).toEqual([
			"SERVER_NAME is required",
			"SIGNING_KEY is required when ENVIRONMENT=production (wrangler secret put SIGNING_KEY)",
			expect.stringMatching(/^ENABLE_REGISTRATION/),
			expect.stringMatching(/^DEFAULT_ROOM_VERSION/),
			expect.stringMatching(/^LOG_LEVEL/),
		]);
		expect(() => loadConfig(env)).toThrow(/invalid configuration:\n- SERVER_NAME is required\n- SIGNING_KEY/);
	});

	it("never echoes the signing key's secret seed", () => {
		const secret = `ed25519 bad-version ${SEED}`;
		const message = problemsOf({ SERVER_NAME: "a.org", SIGNING_KEY: secret }).join("\n");
		expect(message).not.toContain(SEED);
	});
});

describe("the settings list", () => {
	it("names every setting loadConfig reads, matching what `npm start` passes through", async () => {
		// @ts-expect-error: a plain .mjs script without type declarations.
		const { SETTINGS } = (await import("../../scripts/settings.mjs")) as { SETTINGS: string[] };
		expect([...SETTING_NAMES].sort()).toEqual([...SETTINGS].sort());
	});
});
