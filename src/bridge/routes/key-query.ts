// The notary: GET /_matrix/key/v2/query/{serverName} and POST /_matrix/key/v2/query return other
// servers' self-signed key responses with our signature added.
// Spec: https://spec.matrix.org/latest/server-server-api/#querying-keys-through-another-server

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { signJson } from "../../protocol/crypto/sign-json";
import { isEd25519KeyId, isValidServerName } from "../../protocol/federation/server-name";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import { readRequestJson } from "../auth/request-body";
import { keyRingFor } from "../keys/key-ring";
import { buildOwnKeyResponse } from "../keys/own-key-response";
import { getServerKeys } from "../../platform/signing-key/server-key";

/** One POST may name this many servers: each may cost an outbound fetch. */
export const MAX_QUERY_SERVERS = 50;

interface Query {
	serverName: string;
	minimumValidUntilTs: number;
	keyIds: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTimestamp(value: unknown): value is number {
	return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Answers each query with the server's signed response plus our signature. Servers that are
 * invalid, unreachable and uncached are left out, which the spec allows ("may result in an empty array").
 */
async function answer(c: Context<AppEnv>, queries: Query[]): Promise<Response> {
	const config = c.get("config");
	const now = Date.now();
	const keyRing = keyRingFor(c.env, config);
	const ours = (await getServerKeys(c.env.DB, config, now)).current;
	const found = await Promise.all(
		queries.map(async (q) => {
			if (!isValidServerName(q.serverName)) return undefined;
			if (q.serverName === config.serverName) return buildOwnKeyResponse(c.env.DB, config, now);
			const cached = await keyRing.getServerKeyResponse(q.serverName, q.minimumValidUntilTs, q.keyIds);
			return cached && signJson(cached.response, config.serverName, ours);
		}),
	);
	return c.json({ server_keys: found.filter((r) => r !== undefined) });
}

async function queryOne(c: Context<AppEnv>): Promise<Response> {
	const serverName = c.req.param("serverName") ?? "";
	const keyId = c.req.param("keyId");
	const minText = c.req.query("minimum_valid_until_ts");
	let minimumValidUntilTs = Date.now();
	if (minText !== undefined) {
		if (!/^\d{1,16}$/.test(minText)) throw new MatrixError("M_INVALID_PARAM", "minimum_valid_until_ts must be a timestamp");
		minimumValidUntilTs = Number(minText);
	}
	const keyIds = keyId !== undefined && isEd25519KeyId(keyId) ? [keyId] : [];
	return answer(c, [{ serverName, minimumValidUntilTs, keyIds }]);
}

async function queryMany(c: Context<AppEnv>): Promise<Response> {
	const body = await readRequestJson(c);
	if (!isRecord(body) || !isRecord(body.server_keys)) throw new MatrixError("M_BAD_JSON", "server_keys must be an object");
	const entries = Object.entries(body.server_keys);
	if (entries.length > MAX_QUERY_SERVERS) {
		throw new MatrixError("M_INVALID_PARAM", `At most ${MAX_QUERY_SERVERS} servers per query`);
	}
	const now = Date.now();
	const queries: Query[] = [];
	for (const [serverName, criteria] of entries) {
		if (!isRecord(criteria)) throw new MatrixError("M_BAD_JSON", `server_keys.${serverName} must be an object`);
		let minimumValidUntilTs: number | undefined;
		const keyIds: string[] = [];
		for (const [keyId, keyCriteria] of Object.entries(criteria)) {
			if (isEd25519KeyId(keyId)) keyIds.push(keyId);
			const min = isRecord(keyCriteria) ? keyCriteria.minimum_valid_until_ts : undefined;
			if (min === undefined) continue;
			if (!isTimestamp(min)) throw new MatrixError("M_BAD_JSON", "minimum_valid_until_ts must be a timestamp");
			// One response serves every key of a server, so it must satisfy the strictest criterion.
			minimumValidUntilTs = Math.max(minimumValidUntilTs ?? 0, min);
		}
		// "If not supplied, the current time as determined by the notary server is used."
		queries.push({ serverName, minimumValidUntilTs: minimumValidUntilTs ?? now, keyIds });
	}
	return answer(c, queries);
}

export const keyQueryEndpoints: Endpoint[] = [
	// Not under /_matrix/federation: notaries answer anyone, unauthenticated, as the spec defines it.
	{ method: "GET", path: "/_matrix/key/v2/query/:serverName", auth: "none", rateLimit: { perSecond: 5, burst: 20 }, handler: queryOne },
	// Removed from the spec, but older servers still ask for one key ID; the full response answers them.
	{ method: "GET", path: "/_matrix/key/v2/query/:serverName/:keyId", auth: "none", rateLimit: { perSecond: 5, burst: 20 }, handler: queryOne },
	{ method: "POST", path: "/_matrix/key/v2/query", auth: "none", rateLimit: { perSecond: 1, burst: 10 }, handler: queryMany },
];
