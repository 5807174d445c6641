// Which trust store is in force: LAWFUL_TRUST_STORE (config `lawfulTrustStore`, shipped with the deployment)
// merged with operator edits kept as versions in D1. Design: LAWFUL_ACCESS.md "Trust store"; README "Lawful access".
// Rule: the newest source wins. An operator edit records the deployment store it started from; while the
// deployment still ships that store, the edit is in force. When a deployment ships a different store, that
// one is in force. Either way every key ever revoked stays revoked ("Revoking a key takes effect for every
// new order"), so a redeploy with an old file cannot resurrect a compromised key.

import { getConfig } from "../../platform/config";
import { sha256Hex } from "../order/validate-order";
import { appendTrustVersion, everRevokedKids, latestTrustVersion } from "../store/orders-trust";
import { EMPTY_TRUST_STORE, parseTrustStore, type TrustStore } from "./schema";

export type TrustEnv = Pick<Env, "DB"> & Parameters<typeof getConfig>[0];

export interface EffectiveTrust {
	store: TrustStore;
	/** The D1 version in force, or null for the deployment's store. */
	version: number | null;
	envSha256: string;
}

const encoder = new TextEncoder();

/** Marks `kids` revoked (keeping an existing revocation record). Pure. */
export function applyRevocations(store: TrustStore, kids: ReadonlySet<string>): TrustStore {
	return {
		authorities: store.authorities.map((a) => ({
			...a,
			keys: a.keys.map((k) => (kids.has(k.kid) && k.status !== "revoked" ? { ...k, status: "revoked" as const, revocationReason: "revoked in an earlier trust-store version" } : k)),
		})),
	};
}

function deploymentStore(text: string | undefined): TrustStore {
	if (text === undefined) return EMPTY_TRUST_STORE;
	const parsed = parseTrustStore(JSON.parse(text));
	// A broken deployment store must not silently mean "no authorities" nor "anything goes": refuse loudly.
	if (!parsed.ok) throw new Error(`LAWFUL_TRUST_STORE is invalid at ${parsed.pointer || "/"}: ${parsed.message}`);
	return parsed.store;
}

export async function loadEffectiveTrust(env: TrustEnv): Promise<EffectiveTrust> {
	const text = getConfig(env).lawfulTrustStore;
	const envSha256 = text === undefined ? "" : await sha256Hex(encoder.encode(text));
	const latest = await latestTrustVersion(env.DB);
	const revoked = await everRevokedKids(env.DB);
	if (latest && latest.env_sha256 === envSha256) {
		const parsed = parseTrustStore(JSON.parse(latest.store_json));
		if (!parsed.ok) throw new Error(`stored trust version ${latest.version} is invalid`);
		return { store: applyRevocations(parsed.store, revoked), version: latest.version, envSha256 };
	}
	return { store: applyRevocations(deploymentStore(text), revoked), version: null, envSha256 };
}

/** Appends an operator edit as the newest version and returns its number. */
export async function saveTrustVersion(env: TrustEnv, store: TrustStore, actor: string, reason: string, now: number): Promise<number> {
	const current = await loadEffectiveTrust(env);
	const json = JSON.stringify(store);
	return appendTrustVersion(env.DB, {
		store_json: json,
		store_sha256: await sha256Hex(encoder.encode(json)),
		env_sha256: current.envSha256,
		actor,
		reason,
		created_ts: now,
	});
}
