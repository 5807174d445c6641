// A key source that knows our own keys (current and retired) as well as remote servers' keys: events that carry our
// signature next to another server's (a restricted join we vouch for, our join a resident countersigned)
// are verified whole, and the key ring never tries to fetch keys from ourselves.
// Spec: https://spec.matrix.org/latest/server-server-api/#validating-hashes-and-signatures-on-received-events

import type { Config } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";
import type { ServerVerifyKey } from "../../protocol/federation/server-keys";
import type { KeySource } from "../inbound/step-2-signatures";
import { keyRingFor } from "./key-ring";

/** How long our key counts as valid for these checks: it is ours, and current. */
const OWN_KEY_VALIDITY_MS = 7 * 24 * 3_600_000;

export function keysWithOurOwn(env: { DB: D1Database; CACHE: KVNamespace }, config: Config): KeySource {
	const ring = keyRingFor(env, config);
	return {
		async getServerVerifyKey(serverName: string, keyId: string, minimumValidUntilTs: number): Promise<ServerVerifyKey | undefined> {
			if (serverName !== config.serverName) return ring.getServerVerifyKey(serverName, keyId, minimumValidUntilTs);
			const { current, oldVerifyKeys } = await getServerKeys(env.DB, config);
			if (current.keyId === keyId) return { serverName, keyId, publicKey: current.publicKeyBase64, validUntilTs: Date.now() + OWN_KEY_VALIDITY_MS, expiredTs: null };
			// A key we retired still verifies what we signed while it was current, as old_verify_keys says.
			const old = oldVerifyKeys[keyId];
			return old === undefined ? undefined : { serverName, keyId, publicKey: old.key, validUntilTs: old.expired_ts, expiredTs: old.expired_ts };
		},
	};
}
