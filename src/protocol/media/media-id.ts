// Media IDs and mxc:// URIs, sanitised as the spec requires before any storage lookup.
// Spec: https://spec.matrix.org/latest/client-server-api/#matrix-content-mxc-uris and
// https://spec.matrix.org/latest/client-server-api/#content-repo-security-considerations

import { parseServerName } from "../ids/server-name";

/** "The media-id segment MUST consist of only alphanumeric (A-Za-z0-9), _ and - characters." */
const MEDIA_ID = /^[A-Za-z0-9_-]+$/;
/** Generous for other servers' IDs; ours are 24 characters. */
const MAX_MEDIA_ID_LENGTH = 255;

export function isValidMediaId(s: string): boolean {
	return s.length <= MAX_MEDIA_ID_LENGTH && MEDIA_ID.test(s);
}

/** A (server name, media ID) pair from a path, or undefined if either fails the whitelist. */
export function parseMediaLocation(serverName: string, mediaId: string): { serverName: string; mediaId: string } | undefined {
	if (parseServerName(serverName) === undefined || !isValidMediaId(mediaId)) return undefined;
	return { serverName, mediaId };
}

export function mxcUri(serverName: string, mediaId: string): string {
	return `mxc://${serverName}/${mediaId}`;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const MEDIA_ID_LENGTH = 24;

/**
 * A media ID from random bytes (the caller supplies them: protocol code has no randomness). Bytes at or
 * above 248 (= 4 × 62) are skipped so every character is equally likely; returns undefined if too few remain.
 */
export function mediaIdFromRandom(bytes: Uint8Array): string | undefined {
	let out = "";
	for (const b of bytes) {
		if (b >= 248) continue;
		out += ALPHABET[b % 62];
		if (out.length === MEDIA_ID_LENGTH) return out;
	}
	return undefined;
}
