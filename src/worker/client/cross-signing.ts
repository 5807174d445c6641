// POST /keys/device_signing/upload (UIA) and POST /keys/signatures/upload: cross-signing keys and signatures.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysdevice_signingupload
//       https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keyssignaturesupload

import { CROSS_SIGNING_USAGES, parseCrossSigningKey } from "../../protocol/e2ee/key-objects";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { requireUserId, type UserId } from "../../protocol/ids/user-id";
import type { UiaFlow } from "../../protocol/uia/flows";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { e2eeUser } from "../user/e2ee/api";
import type { CrossSigningUpload, SignatureItem } from "../user/e2ee/cross-signing";
import { fanOutDeviceListChange } from "../user/e2ee/device-list-fan-out";
import type { UserKeys } from "../user/e2ee/key-query";
import { sortUsers } from "../user/e2ee/local-users";
import { requireUserInteractiveAuth } from "./uia";

const RATE = { perSecond: 5, burst: 20 };
/** Replacing cross-signing keys re-roots the user's trust: prove the account password, like device deletion. */
const CROSS_SIGNING_FLOWS: readonly UiaFlow[] = [["m.login.password"]];

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

function crossSigningBody(userId: string, body: JsonObject): CrossSigningUpload {
	const upload: CrossSigningUpload = {};
	for (const usage of CROSS_SIGNING_USAGES) {
		const given = body[`${usage}_key`];
		if (given === undefined) continue;
		const key = parseCrossSigningKey(given, userId, usage);
		if (key === undefined) throw new MatrixError("M_INVALID_PARAM", `${usage}_key is not a valid ${usage} key of ${userId}`);
		upload[usage] = key.json;
	}
	return upload;
}

function signaturesBody(body: JsonObject): SignatureItem[] {
	const items: SignatureItem[] = [];
	for (const [userId, keys] of Object.entries(body)) {
		if (!isObject(keys)) throw new MatrixError("M_BAD_JSON", "Expected user ID → key ID → signed object");
		for (const [keyId, object] of Object.entries(keys)) {
			if (!isObject(object)) throw new MatrixError("M_BAD_JSON", "Expected user ID → key ID → signed object");
			items.push({ userId: requireUserId(userId), keyId, object });
		}
	}
	return items;
}

export const crossSigningEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/keys/device_signing/upload",
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user") as UserId;
			const body = await readJsonBody(c);
			const upload = crossSigningBody(userId, body);
			const me = e2eeUser(c.env, userId);
			if (await me.crossSigningUploadNeedsAuth(userId, upload)) {
				await requireUserInteractiveAuth(c, { userId, flows: CROSS_SIGNING_FLOWS, action: "POST /keys/device_signing/upload", body });
			}
			// An upload without keys changes nothing and tells nobody.
			if (Object.keys(upload).length === 0) return c.json({});
			unwrapRpc(await me.uploadCrossSigningKeys(userId, upload));
			await fanOutDeviceListChange(c.env, userId, c.get("e2eeFederation"), { includeSelf: false });
			return c.json({});
		},
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/keys/signatures/upload",
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user") as UserId;
			const items = signaturesBody(await readJsonBody(c));
			const others = [...new Set(items.map((i) => i.userId).filter((u) => u !== userId))];
			const sorted = await sortUsers(c.env.DB, others, c.get("config").serverName);
			// The current master key of every other local user named: a signature must be over that key.
			const masters: Record<string, JsonObject> = {};
			await Promise.all(
				sorted.local.map(async (u) => {
					const keys = JSON.parse(await e2eeUser(c.env, u).queryKeysJson(u, [], userId)) as UserKeys;
					if (keys.master_key !== undefined) masters[u] = keys.master_key;
				}),
			);
			const result = unwrapRpc(await e2eeUser(c.env, userId).uploadKeySignatures(userId, items, masters));
			if (result.ownKeysChanged) await fanOutDeviceListChange(c.env, userId, c.get("e2eeFederation"), { includeSelf: false });
			return c.json({ failures: result.failures });
		},
	},
];
