// This server's Ed25519 signing key and the retired keys it still publishes.
// Production: SIGNING_KEY (a secret). Otherwise: generated on first start and kept in D1 (key-store.ts).
// Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys

import { type SigningKey, signingKeyFromSeed } from "../../protocol/crypto/ed25519";
import { decodeBase64 } from "../../protocol/json/base64";
import type { Config, OldVerifyKey } from "../config";
import { generateKeyId, generateSeed } from "./key-id";
import { insertCurrentKeyIfNone, replaceCurrentKey, selectKeys, type StoredKey } from "./own-key-store";

export interface ServerKeys {
	/** Signs everything we send: events, requests, our key response. */
	current: SigningKey;
	/** Keys we no longer sign with, for `old_verify_keys`: retired D1 rows plus OLD_VERIFY_KEYS. */
	oldVerifyKeys: Readonly<Record<string, OldVerifyKey>>;
}

/**
 * How long an isolate trusts its memoised keys before re-reading D1. Rotation in one isolate reaches
 * the others within this time; until then they still sign with the previous key, which remote servers
 * accept (it is in old_verify_keys and they re-fetch on an unknown key ID).
 */
const REFRESH_MS = 60_000;

interface Memo {
	db: D1Database;
	config: Config;
	loadedMs: number;
	keys: Promise<ServerKeys>;
}
let memo: Memo | undefined;

/** Public keys derived from stored seeds, by key ID: derivation is a WebCrypto import, worth doing once. */
const derived = new Map<string, Promise<SigningKey>>();

function keyFromStored(row: Pick<StoredKey, "key_id" | "seed">): Promise<SigningKey> {
	let key = derived.get(row.key_id);
	if (!key) {
		const seed = decodeBase64(row.seed);
		if (!seed) throw new Error(`stored seed of ${row.key_id} is not base64`);
		key = signingKeyFromSeed(row.key_id, seed);
		derived.set(row.key_id, key);
	}
	return key;
}

async function load(db: D1Database, config: Config, now: number): Promise<ServerKeys> {
	const rows = await selectKeys(db);
	let current: SigningKey;
	if (config.signingKey) {
		current = await signingKeyFromSeed(config.signingKey.keyId, config.signingKey.seed);
	} else {
		const stored = rows.find((r) => r.expired_ts === null) ?? (await insertCurrentKeyIfNone(db, { key_id: generateKeyId(), seed: generateSeed(), created_ts: now }));
		current = await keyFromStored(stored);
	}
	const oldVerifyKeys: Record<string, OldVerifyKey> = {};
	for (const row of rows) {
		if (row.expired_ts === null) continue;
		oldVerifyKeys[row.key_id] = { key: (await keyFromStored(row)).publicKeyBase64, expired_ts: row.expired_ts };
	}
	Object.assign(oldVerifyKeys, config.oldVerifyKeys);
	// A key is either current or old, never both.
	delete oldVerifyKeys[current.keyId];
	return { current, oldVerifyKeys };
}

/** Our signing key and old keys, memoised per isolate (re-read every REFRESH_MS). */
export function getServerKeys(db: D1Database, config: Config, now: number = Date.now()): Promise<ServerKeys> {
	if (!memo || memo.db !== db || memo.config !== config || now - memo.loadedMs > REFRESH_MS) {
		const keys = load(db, config, now);
		const entry: Memo = { db, config, loadedMs: now, keys };
		memo = entry;
		// A failed load (D1 hiccup) must not stick: the next request tries again.
		keys.catch(() => {
			if (memo === entry) memo = undefined;
		});
	}
	return memo.keys;
}

/**
 * Retires the current generated key (it moves to old_verify_keys with expired_ts = now) and starts
 * signing with a new one. With SIGNING_KEY configured, rotation means changing that secret and listing
 * the old key in OLD_VERIFY_KEYS, so this refuses.
 */
export async function rotateServerKey(db: D1Database, config: Config, now: number = Date.now()): Promise<ServerKeys> {
	if (config.signingKey) {
		throw new Error("the signing key comes from SIGNING_KEY: rotate it by changing the secret and adding the old key to OLD_VERIFY_KEYS");
	}
	await replaceCurrentKey(db, { key_id: generateKeyId(), seed: generateSeed(), created_ts: now }, now);
	memo = undefined;
	return getServerKeys(db, config, now);
}
