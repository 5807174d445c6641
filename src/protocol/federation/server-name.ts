// Server names and server key IDs as federation checks them: `origin`, `destination`, key owners.
// The grammar itself lives in ids/server-name.ts; this module names the checks federation code uses.
// Spec: https://spec.matrix.org/latest/appendices/#server-name

import { type ServerNameParts, splitServerName } from "../ids/server-name";

export type { ServerNameParts };

/** Splits and checks a server name (`hostname [":" port]`); undefined if it breaks the grammar. */
export function parseServerName(name: string): ServerNameParts | undefined {
	// The spec caps server names at 255 characters so that IDs built from them stay within limits.
	return name.length > 255 ? undefined : splitServerName(name);
}

export function isValidServerName(name: string): boolean {
	return parseServerName(name) !== undefined;
}

// Key IDs are `<algorithm>:<version>`, and the version must match [a-zA-Z0-9_].
// Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys
const KEY_ID = /^ed25519:[A-Za-z0-9_]+$/;

/** True for an Ed25519 server key ID, the only algorithm Matrix signs with. */
export function isEd25519KeyId(keyId: string): boolean {
	return KEY_ID.test(keyId);
}
