// The `{userId}` path parameter of endpoints a user may call only for themselves (account data, filters,
// tags, typing, presence updates): a malformed ID is M_INVALID_PARAM, someone else's is M_FORBIDDEN.
// Spec: e.g. https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3useruseridaccount_datatype

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import type { AppEnv } from "../http/context";

export function ownUserParam(c: Context<AppEnv>, what: string): string {
	const userId = parseUserId(c.req.param("userId"));
	if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID");
	if (userId !== c.get("user")) throw new MatrixError("M_FORBIDDEN", `Cannot ${what} for other users`);
	return userId;
}
