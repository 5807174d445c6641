// Sorting the users a key request names into our own (with an account) and other servers'.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysquery ("failures")
// Unknown local users are simply absent from results; asking D1 first keeps a query for a made-up user
// from creating an empty UserDO.

import { MatrixError } from "../../../protocol/errors";
import { parseUserId, type UserId } from "../../../protocol/ids/user-id";
import { serverNameOf } from "../../../protocol/ids/server-name-of";
import { getAccount } from "../../d1/accounts";

export interface SortedUsers {
	local: UserId[];
	/** server name → that server's users */
	remote: Map<string, UserId[]>;
}

/** Throws M_INVALID_PARAM for a key that is not a user ID. */
export async function sortUsers(db: D1Database, ids: readonly string[], ourServer: string): Promise<SortedUsers> {
	const local: UserId[] = [];
	const remote = new Map<string, UserId[]>();
	for (const id of ids) {
		const userId = parseUserId(id);
		if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user ID in request");
		const server = serverNameOf(userId);
		if (server === ourServer) local.push(userId);
		else remote.set(server, [...(remote.get(server) ?? []), userId]);
	}
	const accounts = await Promise.all(local.map((u) => getAccount(db, u)));
	return { local: local.filter((_, i) => accounts[i] !== null), remote };
}
