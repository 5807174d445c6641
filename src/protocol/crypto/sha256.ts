// SHA-256 through WebCrypto: the digest behind content hashes, reference hashes and event IDs.
// Spec: https://spec.matrix.org/latest/server-server-api/#calculating-the-content-hash-for-an-event

import { toArrayBufferView } from "./bytes";

/** The 32-byte SHA-256 digest of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest("SHA-256", toArrayBufferView(bytes)));
}
