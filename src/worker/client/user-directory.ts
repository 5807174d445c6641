// POST /user_directory/search: find local users who share a room with the searcher or are in a public
// room, by user ID or display name.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3user_directorysearch

import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import { searchUserDirectory } from "../d1/user-directory";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";

/** "Defaults to 10." */
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const MAX_TERM_LENGTH = 256;

function searchBody(body: JsonObject): { term: string; limit: number } | undefined {
	if (body.search_term === undefined) throw new MatrixError("M_MISSING_PARAM", "search_term is required");
	if (typeof body.search_term !== "string") return undefined;
	if (body.search_term.length > MAX_TERM_LENGTH) throw new MatrixError("M_INVALID_PARAM", "search_term is too long");
	const limit = body.limit ?? DEFAULT_LIMIT;
	if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0) return undefined;
	return { term: body.search_term, limit: Math.min(limit, MAX_LIMIT) };
}

export const userDirectoryEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/user_directory/search",
		auth: "user",
		// The spec marks it rate-limited; clients search as the user types.
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const { term, limit } = await readJsonBody(c, searchBody);
			return c.json(await searchUserDirectory(c.env.DB, c.get("user"), term, limit));
		},
	},
];
