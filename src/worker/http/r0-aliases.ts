// `/_matrix/client/r0/...`: the pre-v1.1 path prefix that older clients (matrix-nio in Debian, for one)
// still call. Spec: https://spec.matrix.org/latest/client-server-api/#api-versions — v1.1 renamed r0 to v3
// without changing the shapes of the endpoints r0.6.1 already had, so those are served under both.

import type { Endpoint } from "./endpoint";

const V3 = "/_matrix/client/v3/";
const R0 = "/_matrix/client/r0/";

/** v3 endpoints added after r0.6.1: r0 clients never call them, so no alias is made. */
const AFTER_R0 = [/^\/_matrix\/client\/v3\/refresh$/, /^\/_matrix\/client\/v3\/knock\//, /^\/_matrix\/client\/v3\/login\/get_token$/];

/** The table plus an r0 copy of every v3 endpoint that r0.6.1 had with the same shape. */
export function withR0Aliases(endpoints: readonly Endpoint[]): Endpoint[] {
	const aliases = endpoints
		.filter((e) => e.path.startsWith(V3) && !AFTER_R0.some((re) => re.test(e.path)))
		.map((e) => ({ ...e, path: R0 + e.path.slice(V3.length) }));
	return [...endpoints, ...aliases];
}
