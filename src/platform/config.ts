// The validated settings: loadConfig reads every wrangler var and secret once and reports all problems together.
// Handlers read `c.get("config")`, never raw env strings. Settings are listed in README.md, "Configuration".
// Server names: https://spec.matrix.org/latest/appendices/#server-name
// Signing keys: https://spec.matrix.org/latest/server-server-api/#publishing-keys

import { decodeBase64 } from "../protocol/json/base64";
import { isEd25519KeyId, parseServerName } from "../protocol/federation/server-name";

import type { LogLevel } from "./log";

export type { LogLevel };
export type Environment = "development" | "test" | "production";

/** The room versions we create rooms in (and so may be the default): those whose rules we implement and test. */
export const CREATABLE_ROOM_VERSIONS = ["10", "11", "12"] as const;
export type CreatableRoomVersion = (typeof CREATABLE_ROOM_VERSIONS)[number];

/** Every setting loadConfig reads; scripts/settings.mjs passes the same names through `npm start`. */
export const SETTING_NAMES = [
	"SERVER_NAME",
	"ENVIRONMENT",
	"PUBLIC_BASEURL",
	"ENABLE_REGISTRATION",
	"ENCRYPT_NEW_ROOMS",
	"DEFAULT_ROOM_VERSION",
	"MAX_UPLOAD_BYTES",
	"URL_PREVIEWS",
	"FEDERATION_INSECURE_LOOPBACK",
	"FEDERATION_CA_FILE",
	"FEDERATION_DOH_URL",
	"WELL_KNOWN_SERVER",
	"SIGNING_KEY",
	"OLD_VERIFY_KEYS",
	"KEY_VALIDITY_MS",
	"LOG_LEVEL",
	"LAWFUL_TRUST_STORE",
	"LAWFUL_PROVIDER_KEY",
	"SESSION_IP_RETENTION_DAYS",
	"MEDIA_METADATA_RETENTION_DAYS",
	"LAWFUL_GREY_DATA",
	"LAWFUL_DELIVERY_TTL_DAYS",
	"TURN_URIS",
	"TURN_SHARED_SECRET",
	"TURN_TTL_SECONDS",
	"SUPPORT_CONTACT_EMAIL",
	"SUPPORT_PAGE",
	"RATE_LIMIT_PERCENT",
	"TOKEN_CACHE_MS",
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** What loadConfig reads: the worker's `env` (bindings other than these are ignored) or a plain object in tests. */
export type ConfigSource = { readonly [K in SettingName]?: unknown };

/** A key we used to sign with, published in `old_verify_keys`. */
export interface OldVerifyKey {
	/** Unpadded base64 of the 32-byte Ed25519 public key. */
	key: string;
	expired_ts: number;
}

export interface Config {
	/** As configured, port included when given, e.g. `example.org` or `localhost:8787`. */
	serverName: string;
	environment: Environment;
	/** Client base URL without a trailing slash, published in `/.well-known/matrix/client`. */
	publicBaseUrl: string;
	enableRegistration: boolean;
	encryptNewRooms: boolean;
	defaultRoomVersion: CreatableRoomVersion;
	maxUploadBytes: number;
	/** GET preview_url: fetch pages members link to (public hosts only). */
	urlPreviews: boolean;
	/** Lets `127.0.0.1:PORT` / `localhost:PORT` servers federate over plain HTTP. Never in production. */
	federationInsecureLoopback: boolean;
	/**
	 * A private CA (PEM file) that `npm start` hands to workerd (NODE_EXTRA_CA_CERTS, which miniflare passes on
	 * as trusted certificates). With it, loopback peers are reached over HTTPS: a local TLS front.
	 */
	federationCaFile: string | undefined;
	/** The DNS-over-HTTPS JSON resolver server discovery asks for SRV and A/AAAA records. */
	federationDohUrl: string;
	/** `host:port` delegation served at `/.well-known/matrix/server`. */
	wellKnownServer: string | undefined;
	/** The configured signing key (SIGNING_KEY); undefined means "generate one and keep it in D1". */
	signingKey: { keyId: string; seed: Uint8Array } | undefined;
	oldVerifyKeys: Readonly<Record<string, OldVerifyKey>>;
	/** How far in the future `valid_until_ts` of our key response lies. */
	keyValidityMs: number;
	logLevel: LogLevel;
	/** Lawful access: the authorities' trust store as JSON text (schema checked by src/export/trust). */
	lawfulTrustStore: string | undefined;
	/** Lawful access: the provider's signing key as a private JWK (secret); undefined → generated and kept in D1. */
	lawfulProviderKey: string | undefined;
	/** Session IP records older than this are purged by the scheduled job, unless a preservation hold names them. */
	sessionIpRetentionDays: number;
	/**
	 * Metadata rows (D1 `media`) of media that no longer exists (today: upload reservations that expired unfilled)
	 * are kept this long, then purged by the scheduled job, unless a preservation hold names the uploader.
	 */
	mediaMetadataRetentionDays: number;
	/**
	 * Lawful access: whether grey data (room names and topics, profile display name and avatar, DM map, device
	 * display names) may be disclosed to an order that asks for it. Off by default: then it never is.
	 */
	lawfulGreyData: boolean;
	/** How long an evidence package waits for its one retrieval. */
	lawfulDeliveryTtlDays: number;
	/** TURN URIs handed to clients by /voip/turnServer (each `turn:` or `turns:`); empty means no TURN server. */
	turnUris: readonly string[];
	/** coturn's `static-auth-secret` (secret): with it, /voip/turnServer mints time-limited credentials. */
	turnSharedSecret: string | undefined;
	/** How long minted TURN credentials stay valid. */
	turnTtlSeconds: number;
	/** The administrator's address published in /.well-known/matrix/support. */
	supportContactEmail: string | undefined;
	/** The support page URL published in /.well-known/matrix/support. */
	supportPage: string | undefined;
	/** Scales every endpoint's rate limit (100 = as declared; 0 turns rate limiting off). */
	rateLimitPercent: number;
	/**
	 * How long an isolate trusts an access-token check without asking the UserDO again (0: never). A token
	 * revoked through another isolate (on Cloudflare) works there for at most this long (user/token-cache.ts).
	 */
	tokenCacheMs: number;
}

/** Thrown once with every problem found, so an operator fixes the whole configuration in one go. */
export class ConfigError extends Error {
	readonly problems: readonly string[];
	constructor(problems: string[]) {
		super(`invalid configuration:\n- ${problems.join("\n- ")}`);
		this.name = "ConfigError";
		this.problems = problems;
	}
}

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Room versions 5+: "Servers MUST use the lesser of valid_until_ts and 7 days into the future", so more is useless. */
const MAX_KEY_VALIDITY_MS = 7 * DAY_MS;

/** Validates every setting. Throws one ConfigError listing each bad setting (never echoing secret values). */
export function loadConfig(env: ConfigSource): Config {
	const problems: string[] = [];
	const r = new Reader(env, problems);

	const serverNameText = r.text("SERVER_NAME");
	let serverName = "";
	if (serverNameText === undefined) problems.push("SERVER_NAME is required");
	else if (!parseServerName(serverNameText)) problems.push(`SERVER_NAME is not a valid server name: ${JSON.stringify(serverNameText)}`);
	else serverName = serverNameText;

	const environment = r.oneOf("ENVIRONMENT", ["development", "test", "production"] as const, "development");
	const federationInsecureLoopback = r.bool("FEDERATION_INSECURE_LOOPBACK", false);
	if (environment === "production" && federationInsecureLoopback) {
		problems.push("FEDERATION_INSECURE_LOOPBACK=true is refused when ENVIRONMENT=production");
	}
	// The CA reaches workerd through `npm start`; Cloudflare's network trusts public CAs only.
	if (environment === "production" && r.text("FEDERATION_CA_FILE") !== undefined) {
		problems.push("FEDERATION_CA_FILE is for local runs and is refused when ENVIRONMENT=production");
	}

	const signingKeyText = r.text("SIGNING_KEY");
	const signingKey = parseSigningKey(signingKeyText, problems);
	if (environment === "production" && signingKeyText === undefined) {
		problems.push("SIGNING_KEY is required when ENVIRONMENT=production (wrangler secret put SIGNING_KEY)");
	}

	const wellKnownServer = r.text("WELL_KNOWN_SERVER");
	if (wellKnownServer !== undefined && parseServerName(wellKnownServer)?.port === undefined) {
		problems.push(`WELL_KNOWN_SERVER must be host:port, got ${JSON.stringify(wellKnownServer)}`);
	}

	const keyValidityMs = r.int("KEY_VALIDITY_MS", 7 * DAY_MS);
	if (keyValidityMs < 1 || keyValidityMs > MAX_KEY_VALIDITY_MS) {
		problems.push(`KEY_VALIDITY_MS must be between 1 and ${MAX_KEY_VALIDITY_MS} (7 days), got ${keyValidityMs}`);
	}
	const maxUploadBytes = r.int("MAX_UPLOAD_BYTES", 50 * MIB);
	if (maxUploadBytes < 1) problems.push("MAX_UPLOAD_BYTES must be at least 1");

	const config: Config = {
		serverName,
		environment,
		publicBaseUrl: publicBaseUrl(r.text("PUBLIC_BASEURL"), serverName, problems),
		enableRegistration: r.bool("ENABLE_REGISTRATION", false),
		encryptNewRooms: r.bool("ENCRYPT_NEW_ROOMS", true),
		defaultRoomVersion: r.oneOf("DEFAULT_ROOM_VERSION", CREATABLE_ROOM_VERSIONS, "11"),
		maxUploadBytes,
		urlPreviews: r.bool("URL_PREVIEWS", true),
		federationInsecureLoopback,
		federationCaFile: r.text("FEDERATION_CA_FILE"),
		federationDohUrl: dohUrl(r.text("FEDERATION_DOH_URL"), environment, problems),
		wellKnownServer,
		signingKey,
		oldVerifyKeys: parseOldVerifyKeys(r.text("OLD_VERIFY_KEYS"), problems),
		keyValidityMs,
		logLevel: r.oneOf("LOG_LEVEL", ["debug", "info", "warn", "error"] as const, "info"),
		lawfulTrustStore: jsonText(r.text("LAWFUL_TRUST_STORE"), "LAWFUL_TRUST_STORE", problems),
		lawfulProviderKey: jsonText(r.text("LAWFUL_PROVIDER_KEY"), "LAWFUL_PROVIDER_KEY", problems, { secret: true }),
		sessionIpRetentionDays: positive(r.int("SESSION_IP_RETENTION_DAYS", 28), "SESSION_IP_RETENTION_DAYS", problems),
		mediaMetadataRetentionDays: positive(r.int("MEDIA_METADATA_RETENTION_DAYS", 28), "MEDIA_METADATA_RETENTION_DAYS", problems),
		lawfulGreyData: r.bool("LAWFUL_GREY_DATA", false),
		lawfulDeliveryTtlDays: positive(r.int("LAWFUL_DELIVERY_TTL_DAYS", 7), "LAWFUL_DELIVERY_TTL_DAYS", problems),
		turnUris: turnUris(r.text("TURN_URIS"), problems),
		turnSharedSecret: r.text("TURN_SHARED_SECRET"),
		turnTtlSeconds: positive(r.int("TURN_TTL_SECONDS", 86400), "TURN_TTL_SECONDS", problems),
		supportContactEmail: supportEmail(r.text("SUPPORT_CONTACT_EMAIL"), problems),
		supportPage: supportPage(r.text("SUPPORT_PAGE"), problems),
		// Generous by default off production: one developer and test suites share a single bucket.
		rateLimitPercent: r.int("RATE_LIMIT_PERCENT", environment === "production" ? 100 : 1000),
		tokenCacheMs: tokenCacheMs(r.int("TOKEN_CACHE_MS", 5_000), problems),
	};
	if (problems.length > 0) throw new ConfigError(problems);
	return config;
}

/** JSON text that must parse; its schema is checked by the module that owns it. Secrets are never echoed. */
function jsonText(value: string | undefined, name: SettingName, problems: string[], opts: { secret?: boolean } = {}): string | undefined {
	if (value === undefined) return undefined;
	try {
		JSON.parse(value);
		return value;
	} catch {
		problems.push(opts.secret ? `${name} is not valid JSON` : `${name} is not valid JSON: ${JSON.stringify(value.slice(0, 40))}...`);
		return undefined;
	}
}

/** The DoH resolver: https (plain http only off production, for a local test resolver). */
function dohUrl(value: string | undefined, environment: Environment, problems: string[]): string {
	const url = value ?? "https://cloudflare-dns.com/dns-query";
	let protocol = "";
	try {
		protocol = new URL(url).protocol;
	} catch {
		protocol = "";
	}
	if (protocol !== "https:" && !(protocol === "http:" && environment !== "production")) {
		problems.push(`FEDERATION_DOH_URL must be an https URL, got ${JSON.stringify(url)}`);
	}
	return url;
}

/** Within the minute the UserDO's session writes are throttled to, so a cached check never hides a session update. */
const MAX_TOKEN_CACHE_MS = 60_000;

function tokenCacheMs(n: number, problems: string[]): number {
	// The reader already refuses a negative or fractional number.
	if (n > MAX_TOKEN_CACHE_MS) problems.push(`TOKEN_CACHE_MS must be at most ${MAX_TOKEN_CACHE_MS}, got ${n}`);
	return n;
}

function positive(n: number, name: SettingName, problems: string[]): number {
	if (n < 1) problems.push(`${name} must be at least 1`);
	return n;
}

/** Comma-separated TURN URIs; the spec's pattern for each is `^turns?:`. */
function turnUris(value: string | undefined, problems: string[]): string[] {
	if (value === undefined) return [];
	const uris = value.split(",").map((u) => u.trim()).filter((u) => u !== "");
	for (const uri of uris) if (!/^turns?:\S+$/.test(uri)) problems.push(`TURN_URIS: ${JSON.stringify(uri)} must start with turn: or turns:`);
	return uris;
}

function supportEmail(value: string | undefined, problems: string[]): string | undefined {
	if (value !== undefined && !/^[^\s@]+@[^\s@]+$/.test(value)) problems.push(`SUPPORT_CONTACT_EMAIL is not an email address: ${JSON.stringify(value)}`);
	return value;
}

function supportPage(value: string | undefined, problems: string[]): string | undefined {
	if (value === undefined) return undefined;
	let ok = false;
	try {
		ok = ["https:", "http:"].includes(new URL(value).protocol);
	} catch {
		ok = false;
	}
	if (!ok) problems.push(`SUPPORT_PAGE must be an http(s) URL, got ${JSON.stringify(value)}`);
	return value;
}

/** Reads one setting at a time, recording problems instead of throwing so all of them get reported. */
class Reader {
	constructor(
		private readonly env: ConfigSource,
		private readonly problems: string[],
	) {}

	/** The setting as a string, or undefined when unset or empty (an empty env var means "use the default"). */
	text(name: SettingName): string | undefined {
		const value = this.env[name];
		if (value === undefined || value === null || value === "") return undefined;
		// wrangler.toml [vars] may hold numbers and booleans; they mean the same as their text.
		if (typeof value === "number" || typeof value === "boolean") return String(value);
		if (typeof value === "string") return value.trim();
		this.problems.push(`${name} must be a string`);
		return undefined;
	}

	bool(name: SettingName, fallback: boolean): boolean {
		const value = this.text(name);
		if (value === undefined) return fallback;
		if (value === "true" || value === "1") return true;
		if (value === "false" || value === "0") return false;
		this.problems.push(`${name} must be true, false, 1 or 0, got ${JSON.stringify(value)}`);
		return fallback;
	}

	int(name: SettingName, fallback: number): number {
		const value = this.text(name);
		if (value === undefined) return fallback;
		const n = Number(value);
		if (/^\d+$/.test(value) && Number.isSafeInteger(n)) return n;
		this.problems.push(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
		return fallback;
	}

	oneOf<const T extends string>(name: SettingName, allowed: readonly T[], fallback: T): T {
		const value = this.text(name);
		if (value === undefined) return fallback;
		const found = allowed.find((a) => a === value);
		if (found !== undefined) return found;
		this.problems.push(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
		return fallback;
	}
}

/** Loopback names get plain HTTP by default (local development); everything else HTTPS. */
function isLoopbackHost(host: string): boolean {
	const h = host.toLowerCase();
	return h === "localhost" || h.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "[::1]";
}

function publicBaseUrl(value: string | undefined, serverName: string, problems: string[]): string {
	if (value === undefined) {
		const parts = parseServerName(serverName);
		if (!parts) return "";
		return `${isLoopbackHost(parts.host) ? "http" : "https"}://${serverName}`;
	}
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		problems.push(`PUBLIC_BASEURL is not a URL: ${JSON.stringify(value)}`);
		return "";
	}
	if (url.protocol !== "https:" && url.protocol !== "http:") problems.push("PUBLIC_BASEURL must be an http(s) URL");
	if (url.search !== "" || url.hash !== "") problems.push("PUBLIC_BASEURL must not carry a query or fragment");
	return value.replace(/\/+$/, "");
}

/** Synapse's signing key file format: `ed25519 <version> <unpadded base64 32-byte seed>`. */
function parseSigningKey(value: string | undefined, problems: string[]): Config["signingKey"] {
	if (value === undefined) return undefined;
	const [algorithm, version, seedText, ...rest] = value.split(/\s+/);
	const keyId = `${algorithm}:${version}`;
	const seed = seedText === undefined ? undefined : decodeBase64(seedText);
	// The message names the expected shape only: the value is a secret.
	if (rest.length > 0 || algorithm !== "ed25519" || !isEd25519KeyId(keyId) || !seed || seed.length !== 32) {
		problems.push("SIGNING_KEY must be `ed25519 <version [a-zA-Z0-9_]> <unpadded base64 of a 32-byte seed>`");
		return undefined;
	}
	return { keyId, seed };
}

/** `{"ed25519:x": {"key": "<base64>", "expired_ts": 123}}` */
function parseOldVerifyKeys(value: string | undefined, problems: string[]): Record<string, OldVerifyKey> {
	if (value === undefined) return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(value);
	} catch {
		problems.push("OLD_VERIFY_KEYS is not valid JSON");
		return {};
	}
	if (!isRecord(parsed)) {
		problems.push("OLD_VERIFY_KEYS must be a JSON object keyed by key ID");
		return {};
	}
	const keys: Record<string, OldVerifyKey> = {};
	for (const [keyId, entry] of Object.entries(parsed)) {
		const key = isRecord(entry) ? entry.key : undefined;
		const expiredTs = isRecord(entry) ? entry.expired_ts : undefined;
		if (!isEd25519KeyId(keyId)) problems.push(`OLD_VERIFY_KEYS: ${JSON.stringify(keyId)} is not an ed25519 key ID`);
		else if (typeof key !== "string" || decodeBase64(key)?.length !== 32) problems.push(`OLD_VERIFY_KEYS[${keyId}].key must be base64 of 32 bytes`);
		else if (typeof expiredTs !== "number" || !Number.isSafeInteger(expiredTs) || expiredTs < 0) {
			problems.push(`OLD_VERIFY_KEYS[${keyId}].expired_ts must be a timestamp in milliseconds`);
		} else keys[keyId] = { key, expired_ts: expiredTs };
	}
	return keys;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

const memo = new WeakMap<object, Config>();

/** loadConfig, memoised per isolate for each env object (the worker's env lives as long as the isolate). */
export function getConfig(env: ConfigSource): Config {
	let config = memo.get(env);
	if (!config) {
		config = loadConfig(env);
		memo.set(env, config);
	}
	return config;
}

/** How insecure-loopback federation reaches a peer: HTTPS through a TLS front once a private CA is configured. */
export function loopbackScheme(config: Pick<Config, "federationCaFile">): "http" | "https" {
	return config.federationCaFile === undefined ? "http" : "https";
}
