// Account management: password change and deactivation (both behind UIA m.login.password), and the
// third-party identifier endpoints. The server keeps 3PIDs (D1 user_threepids), but only operators add or
// remove them (`npm run admin -- add-threepid`, platform/threepids.ts): GET /account/3pid lists them, and the
// endpoints that would let a user add, bind or verify one answer as the spec allows a server that permits no
// 3PID changes; there is no identity server, so nothing is ever bound to or unbound from one.
// Spec: https://spec.matrix.org/latest/client-server-api/#account-management
// Spec: https://spec.matrix.org/latest/client-server-api/#adding-account-administrative-contact-information

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { requireUserId, type UserId } from "../../protocol/ids/user-id";
import { parseAuthDict } from "../../protocol/uia/auth-dict";
import { hashPassword, MAX_PASSWORD_LENGTH } from "../../protocol/uia/password-hash";
import { log } from "../../platform/log";
import { deactivateAccount, setPasswordHash } from "../d1/accounts";
import { roomsWithMembership } from "../d1/memberships";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { requireUserInteractiveAuth, type UiaFlow } from "./uia";
import { announceDeletedDevicesRemotely } from "./remote-device-deletions";
import { carryOutErasures, requestErasure } from "../../platform/deactivation-erasure";
import { removeDeactivatedThreepids, threepidOwner, threepidsOf } from "../../platform/threepids";
import { deleteAllPushers } from "../d1/pushers";

const PASSWORD_FLOWS: readonly UiaFlow[] = [["m.login.password"]];

async function changePassword(c: Context<AppEnv>): Promise<Response> {
	const body = await readJsonBody(c);
	const { new_password: newPassword, logout_devices: logoutDevices } = body;
	if (newPassword !== undefined && typeof newPassword !== "string") throw new MatrixError("M_BAD_JSON", "new_password must be a string");
	if (logoutDevices !== undefined && typeof logoutDevices !== "boolean") throw new MatrixError("M_BAD_JSON", "logout_devices must be a boolean");
	// A client may probe for flows without it; one that attempts a stage must say what the new password is.
	if (newPassword === undefined && parseAuthDict(body.auth) !== undefined) throw new MatrixError("M_MISSING_PARAM", "Missing new_password");
	if (typeof newPassword === "string" && newPassword.length > MAX_PASSWORD_LENGTH) throw new MatrixError("M_INVALID_PARAM", "Password is too long");
	if (newPassword === "") throw new MatrixError("M_WEAK_PASSWORD", "The password must not be empty");
	const userId = requireUserId(c.get("user"));
	await requireUserInteractiveAuth(c, { userId, flows: PASSWORD_FLOWS, action: "POST /account/password", body });
	if (typeof newPassword !== "string") throw new MatrixError("M_MISSING_PARAM", "Missing new_password");
	await setPasswordHash(c.env.DB, userId, await hashPassword(newPassword, crypto.getRandomValues(new Uint8Array(16))));
	// "logout_devices: ... other access tokens, and their associated devices, should be revoked" (default true).
	if (logoutDevices !== false) await announceDeletedDevicesRemotely(c, userId, await c.env.USER.getByName(userId).deleteAllDevicesExcept(c.get("device")));
	return c.json({});
}

/** Leaves (or rejects invites to / rescinds knocks on) every room the membership index lists; best effort per room. */
async function leaveAllRooms(c: Context<AppEnv>, userId: UserId): Promise<void> {
	for (const membership of ["join", "invite", "knock"] as const) {
		for (const roomId of await roomsWithMembership(c.env.DB, userId, membership)) {
			const result = await c.env.ROOM.getByName(roomId).sendLocalEvent({
				sender: userId,
				type: "m.room.member",
				state_key: userId,
				content: { membership: "leave" },
				origin_server_ts: Date.now(),
			});
			if (!result.ok) log.warn("deactivate_leave_failed", { errcode: result.errcode });
		}
	}
}

async function deactivate(c: Context<AppEnv>): Promise<Response> {
	const body = await readJsonBody(c);
	if (body.erase !== undefined && typeof body.erase !== "boolean") throw new MatrixError("M_BAD_JSON", "erase must be a boolean");
	if (body.id_server !== undefined && typeof body.id_server !== "string") throw new MatrixError("M_BAD_JSON", "id_server must be a string");
	const userId = requireUserId(c.get("user"));
	await requireUserInteractiveAuth(c, { userId, flows: PASSWORD_FLOWS, action: "POST /account/deactivate", body });
	// The D1 flag first: from here on no login succeeds, even if a later step fails and is retried.
	await deactivateAccount(c.env.DB, userId);
	// Before leaving the rooms: the servers to tell are those sharing a room now.
	await announceDeletedDevicesRemotely(c, userId, await c.env.USER.getByName(userId).deleteAllDevicesExcept(null));
	await deleteAllPushers(c.env.DB, userId);
	await leaveAllRooms(c, userId);
	// `erase`: the user asked to be forgotten; their profile goes (events stay, as the spec allows). The request
	// is recorded first: a lawful-access preservation hold that names them suspends the erasure, and the hourly
	// lifecycle job carries it out once the hold has ended.
	if (body.erase === true) {
		await requestErasure(c.env.DB, userId, Date.now());
		await carryOutErasures(c.env.DB, userId, Date.now());
	}
	// The account's 3PIDs go whatever `erase` says (as in Synapse); a hold keeps them until it ends, then the
	// hourly lifecycle job removes them.
	await removeDeactivatedThreepids(c.env.DB, userId, Date.now());
	// We bound no 3PIDs to any identity server, so there was nothing to unbind: that counts as success.
	return c.json({ id_server_unbind_result: "success" });
}

/** GET /account/3pid: the 3PIDs an operator attached to the account (`npm run admin -- add-threepid`). */
async function listThreepids(c: Context<AppEnv>): Promise<Response> {
	const rows = await threepidsOf(c.env.DB, requireUserId(c.get("user")));
	return c.json({ threepids: rows.map((r) => ({ medium: r.medium, address: r.address, added_at: r.added_ts, validated_at: r.validated_ts })) });
}

/** The user's own 3PIDs are the operator's to remove (m.3pid_changes is off); any other is not there to delete. */
async function deleteThreepid(c: Context<AppEnv>): Promise<Response> {
	const { medium, address } = await readJsonBody(c);
	if (typeof medium !== "string" || typeof address !== "string") throw new MatrixError("M_BAD_JSON", "medium and address must be strings");
	const userId = requireUserId(c.get("user"));
	if (medium === "email" || medium === "msisdn") {
		const owner = await threepidOwner(c.env.DB, medium, address);
		if (owner?.user_id === userId) throw new MatrixError("M_FORBIDDEN", "Third-party identifiers on this server are managed by its operators", { status: 403 });
	}
	return c.json({ id_server_unbind_result: "no-support" });
}

/** Users cannot add or verify 3PIDs here (no identity server, no mail or SMS): the operators manage them. */
const NO_3PIDS = "Third-party identifiers on this server are managed by its operators";

/** requestToken endpoints: the spec's answer for a server that permits no 3PID as a contact. */
const threepidDenied = (): never => {
	throw new MatrixError("M_THREEPID_DENIED", NO_3PIDS);
};

const LIMIT = { perSecond: 2, burst: 20 };

export const accountEndpoints: Endpoint[] = [
	{ method: "POST", path: "/_matrix/client/v3/account/password", auth: "user", rateLimit: LIMIT, handler: changePassword },
	{ method: "POST", path: "/_matrix/client/v3/account/deactivate", auth: "user", rateLimit: LIMIT, handler: deactivate },
	{ method: "GET", path: "/_matrix/client/v3/account/3pid", auth: "user", rateLimit: null, handler: listThreepids },
	{ method: "POST", path: "/_matrix/client/v3/account/3pid", auth: "user", rateLimit: LIMIT, handler: threepidDenied },
	{ method: "POST", path: "/_matrix/client/v3/account/3pid/add", auth: "user", rateLimit: LIMIT, handler: threepidDenied },
	{ method: "POST", path: "/_matrix/client/v3/account/3pid/bind", auth: "user", rateLimit: LIMIT, handler: threepidDenied },
	// Deleting or unbinding a 3PID the user does not have: nothing to do, and no identity server was told.
	{ method: "POST", path: "/_matrix/client/v3/account/3pid/delete", auth: "user", rateLimit: LIMIT, handler: deleteThreepid },
	{ method: "POST", path: "/_matrix/client/v3/account/3pid/unbind", auth: "user", rateLimit: LIMIT, handler: (c) => c.json({ id_server_unbind_result: "no-support" }) },
	{ method: "POST", path: "/_matrix/client/v3/account/3pid/email/requestToken", auth: "none", rateLimit: LIMIT, handler: threepidDenied },
	{ method: "POST", path: "/_matrix/client/v3/account/3pid/msisdn/requestToken", auth: "none", rateLimit: LIMIT, handler: threepidDenied },
	{ method: "POST", path: "/_matrix/client/v3/register/email/requestToken", auth: "none", rateLimit: LIMIT, handler: threepidDenied },
	{ method: "POST", path: "/_matrix/client/v3/register/msisdn/requestToken", auth: "none", rateLimit: LIMIT, handler: threepidDenied },
	// Password reset by email/phone: "M_THREEPID_NOT_FOUND: the referenced third-party identifier is not recognised".
	...(["email", "msisdn"] as const).map(
		(medium): Endpoint => ({
			method: "POST",
			path: `/_matrix/client/v3/account/password/${medium}/requestToken`,
			auth: "none",
			rateLimit: LIMIT,
			handler: () => {
				throw new MatrixError("M_THREEPID_NOT_FOUND", "No account has this third-party identifier");
			},
		}),
	),
];
