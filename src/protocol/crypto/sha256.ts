// SHA-256 through WebCrypto: the digest behind content hashes, reference hashes and event IDs.
// Spec: https://spec.matrix.org/latest/server-server-api/#calculating-the-content-hash-for-an-event

/** The 32-byte SHA-256 digest of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
	// WebCrypto's DOM typings refuse views that might sit on a SharedArrayBuffer; copy those that might.
	const view = bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
	return new Uint8Array(await crypto.subtle.digest("SHA-256", view));
}
