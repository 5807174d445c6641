// Our own self-signed key response, as `/_matrix/key/v2/server` publishes it, for the notary to
// return when asked about ourselves. Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys
// routes/key-server.ts builds the same object; it can switch to this builder.

import { signJson } from "../../protocol/crypto/sign-json";
import type { Config } from "../../worker/config";
import { getServerKeys } from "./server-key";

export async function buildOwnKeyResponse(db: D1Database, config: Config, now: number): Promise<Record<string, unknown>> {
	const keys = await getServerKeys(db, config, now);
	const response = {
		server_name: config.serverName,
		valid_until_ts: now + config.keyValidityMs,
		verify_keys: { [keys.current.keyId]: { key: keys.current.publicKeyBase64 } },
		old_verify_keys: keys.oldVerifyKeys,
	};
	return signJson(response, config.serverName, keys.current);
}
