// Our own self-signed key response, as `/_matrix/key/v2/server` publishes it, for the notary to
// return when asked about ourselves. Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys
// Used by routes/key-server.ts and by the notary (routes/key-query.ts).

import { signJson } from "../../protocol/crypto/sign-json";
import type { Config } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";

export async function buildOwnKeyResponse(db: D1Database, config: Config, now: number): Promise<Record<string, unknown>> {
	const keys = await getServerKeys(db, config, now);
	const response = {
		server_name: config.serverName,
		// The spec asks for a short lifetime so rotations spread quickly; KEY_VALIDITY_MS (≤ 7 days) sets it.
		valid_until_ts: now + config.keyValidityMs,
		verify_keys: { [keys.current.keyId]: { key: keys.current.publicKeyBase64 } },
		old_verify_keys: keys.oldVerifyKeys,
	};
	return signJson(response, config.serverName, keys.current);
}
