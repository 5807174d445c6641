// Byte views in the shape WebCrypto's typings accept.
// Spec: none (a typing concern of the WebCrypto calls in ed25519.ts and sha256.ts).

/**
 * WebCrypto's DOM typings refuse `Uint8Array`s that might sit on a SharedArrayBuffer. Views on a
 * plain ArrayBuffer pass through without copying; anything else is copied.
 */
export function toArrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	return bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
}
