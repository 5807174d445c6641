// What the auth checks need from outside: signature checks they cannot do from the state alone.
// Spec: https://spec.matrix.org/latest/server-server-api/#validating-hashes-and-signatures-on-received-events

import { ed25519Verify } from "../crypto/ed25519";
import type { RoomEvent } from "../events/pdu";

export interface AuthOptions {
	/**
	 * Verifies an Ed25519 signature (both unpadded base64) over `message`: used for the `signed` block of
	 * third-party invites. Defaults to WebCrypto.
	 */
	verifyEd25519?: (publicKeyBase64: string, signatureBase64: string, message: Uint8Array) => Promise<boolean>;
	/**
	 * Whether the event is validly signed by `serverName`, for `join_authorised_via_users_server`.
	 * Defaults to "the PDU carries a signature from that server": signature verification on receipt
	 * checks that server's signature on such joins before auth runs, so a present signature is valid.
	 */
	isSignedBy?: (event: RoomEvent, serverName: string) => boolean;
}

export function signedByDefault(event: RoomEvent, serverName: string): boolean {
	const sigs = event.pdu.signatures[serverName];
	return sigs !== undefined && Object.keys(sigs).length > 0;
}

export const defaultVerifyEd25519 = ed25519Verify;
