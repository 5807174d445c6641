// Signed outbound federation requests: discovery, X-Matrix signing (destination included), bounded time
// and size, no redirects, JSON in and out, typed failures.
// Spec: https://spec.matrix.org/latest/server-server-api/#request-authentication

import { type Config, loopbackScheme } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";
import { signRequest } from "../../protocol/federation/x-matrix";
import { discoverDestination } from "../discovery/discover-destination";
import { sendToTarget } from "./destination-transport";
import {
	type FederationFailure,
	type FederationPort,
	type FederationRequestOptions,
	type FederationResult,
	type HttpMethod,
	RawJson,
} from "./federation-port";
import { readLimited } from "./read-limited";

/** What the client needs of the worker's env. */
export type FederationClientEnv = Pick<Env, "DB" | "CACHE">;

export const DEFAULT_FEDERATION_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

function failure(kind: FederationFailure["kind"], reason: string, extra: Partial<FederationFailure> = {}): FederationFailure {
	return { ok: false, kind, reason, ...extra };
}

/**
 * Sends one signed request. `path` is the request target (path and query, already percent-encoded) and
 * is signed exactly as sent. A `RawJson` body is sent as given; any other body is JSON-encoded.
 */
export async function federationRequest(
	env: FederationClientEnv,
	config: Config,
	destination: string,
	method: HttpMethod,
	path: string,
	body?: unknown,
	options: FederationRequestOptions = {},
): Promise<FederationResult> {
	if (destination === config.serverName) return failure("refused", "destination is this server");
	if (!path.startsWith("/_matrix/")) return failure("refused", "not a federation path");
	const target = await discoverDestination(destination, {
		cache: env.CACHE,
		dohUrl: config.federationDohUrl,
		allowInsecureLoopback: config.federationInsecureLoopback,
		loopbackScheme: loopbackScheme(config),
		now: Date.now,
	});
	if (!target.ok) return failure("refused", target.reason);

	let bodyText: string | undefined;
	let content: unknown;
	if (body instanceof RawJson) {
		bodyText = body.text;
		try {
			content = JSON.parse(body.text);
		} catch {
			return failure("refused", "body is not JSON");
		}
	} else if (body !== undefined) {
		bodyText = JSON.stringify(body);
		content = body;
	}
	const keys = await getServerKeys(env.DB, config);
	// The request object covers method, uri, origin, destination and content (spec, step 1).
	const authorization = await signRequest(keys.current, { method, uri: path, origin: config.serverName, destination, ...(content === undefined ? {} : { content }) });
	const headers: Record<string, string> = { authorization, accept: "application/json" };
	if (bodyText !== undefined) headers["content-type"] = "application/json";

	// One deadline for the whole request, across fallback targets.
	const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_FEDERATION_TIMEOUT_MS);
	let last: FederationFailure = failure("unreachable", "no target");
	for (const baseUrl of target.value.baseUrls) {
		let res: Response;
		try {
			res = await sendToTarget(target.value, baseUrl, path, { method, headers, ...(bodyText === undefined ? {} : { body: bodyText }), signal });
		} catch (err) {
			if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return failure("timeout", "timeout");
			// A connection failure: the next SRV target (if any) may answer.
			last = failure("unreachable", "connection failed");
			continue;
		}
		return readResponse(res, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
	}
	return last;
}

async function readResponse(res: Response, limit: number): Promise<FederationResult> {
	if (res.status >= 300 && res.status < 400) {
		await res.body?.cancel();
		return failure("redirect", `HTTP ${res.status}`, { status: res.status });
	}
	let text: string | undefined;
	try {
		text = await readLimited(res, limit);
	} catch {
		return failure("unreachable", "body read failed");
	}
	if (text === undefined) return failure("too_large", "response too large", { status: res.status });
	let json: unknown;
	try {
		json = text === "" ? undefined : JSON.parse(text);
	} catch {
		json = undefined;
	}
	if (res.status < 200 || res.status >= 300) {
		const errcode = typeof json === "object" && json !== null && "errcode" in json && typeof json.errcode === "string" ? json.errcode : undefined;
		return failure("http", `HTTP ${res.status}`, { status: res.status, ...(errcode === undefined ? {} : { remoteErrcode: errcode }) });
	}
	if (json === undefined) return failure("bad_response", "not JSON", { status: res.status });
	return { ok: true, status: res.status, body: json };
}

/** The port the worker puts on its context: the client bound to one env and config. */
export function federationPortFor(env: FederationClientEnv, config: Config): FederationPort {
	return { request: (destination, method, path, body, options) => federationRequest(env, config, destination, method, path, body, options) };
}
