// The freeze of unauthenticated media: the deprecated /_matrix/media/v3/download and /thumbnail serve only
// media uploaded before the freeze; anything uploaded at or after it is reachable only through the
// authenticated /_matrix/client/v1/media endpoints.
// Spec: https://spec.matrix.org/latest/client-server-api/#content-repo-client-behaviour ("By Matrix 1.12,
// servers SHOULD 'freeze' the deprecated, unauthenticated, endpoints")

/**
 * The moment of our freeze: the release of Matrix 1.12 (2024-10-07T00:00:00Z), the date the spec names.
 * This server was built after it, so all of its own uploads are frozen out of the legacy endpoints.
 */
export const MEDIA_FREEZE_TS = 1_728_259_200_000;

/** Whether the deprecated unauthenticated endpoints may serve media uploaded at `uploadedTs`. */
export function servedUnauthenticated(uploadedTs: number, freezeTs: number = MEDIA_FREEZE_TS): boolean {
	return uploadedTs < freezeTs;
}
