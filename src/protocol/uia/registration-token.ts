// Token-authenticated registration: the token grammar and when a token may still be used.
// Spec: https://spec.matrix.org/latest/client-server-api/#token-authenticated-registration

/** "Tokens ... are limited to 64 characters and can only consist of the unreserved characters [A-Za-z0-9._~-]." */
const TOKEN_GRAMMAR = /^[A-Za-z0-9._~-]{1,64}$/;

export function isRegistrationTokenSyntax(token: string): boolean {
	return TOKEN_GRAMMAR.test(token);
}

export interface RegistrationTokenCounts {
	uses_allowed: number | null;
	pending: number;
	completed: number;
	expiry_ts: number | null;
}

/**
 * "A token is valid if it has not expired and `pending + completed < uses_allowed`" (uses_allowed null:
 * unlimited). Pending uses count so that concurrent registrations cannot exceed the allowance.
 */
export function isRegistrationTokenUsable(token: RegistrationTokenCounts, nowTs: number): boolean {
	if (token.expiry_ts !== null && token.expiry_ts <= nowTs) return false;
	return token.uses_allowed === null || token.pending + token.completed < token.uses_allowed;
}
