// What the UserDO hands its E2EE modules: its SQL, a synchronous transaction, the /sync wake-up and the owner.
// Spec: https://spec.matrix.org/latest/client-server-api/#end-to-end-encryption

import type { RpcResult } from "../../../protocol/errors";
import type { UserId } from "../../../protocol/ids/user-id";

export interface E2eeDeps {
	sql: SqlStorage;
	/** storage.transactionSync: everything inside commits together or not at all (a throw rolls back). */
	transaction<T>(fn: () => T): T;
	/** Wakes waiting /sync long-polls (the UserDO's Notifier). */
	changed(): void;
	/** The user this object belongs to, or null if no device was ever created here. */
	owner(): UserId | null;
}

/**
 * Checks the caller routed to the right object. A user without an owner row has no devices and no keys,
 * so reads answer empty rather than fail; writes need the owner.
 */
export function checkOwner(deps: E2eeDeps, userId: string): RpcResult<UserId> {
	const owner = deps.owner();
	if (owner === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown user" };
	if (owner !== userId) return { ok: false, errcode: "M_UNKNOWN", error: "User object mismatch", status: 500 };
	return { ok: true, value: owner };
}
