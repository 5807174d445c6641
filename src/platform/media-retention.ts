// What the media-metadata purge needs from the media code, shared so the export's retention job and the
// upload path agree: how long an asynchronous upload's reservation waits for its bytes.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixmediav1create

/** "The recommended default expiration is 24 hours". */
export const PENDING_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
