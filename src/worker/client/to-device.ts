// PUT /sendToDevice/{eventType}/{txnId}: messages straight to devices, queued in each recipient's UserDO.
// Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid
// Idempotent per (sender, device, txnId): a retried request is answered without delivering again. The
// content is opaque (usually m.room.encrypted) and is never read.

import { MatrixError } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { e2eeUser } from "../user/e2ee/api";
import { sortUsers } from "../user/e2ee/local-users";

type Messages = Record<string, Record<string, JsonObject>>;

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `{ "messages": { "<user>": { "<device or *>": { ...content } } } }` */
function messagesBody(body: JsonObject): Messages | undefined {
	const messages = body.messages;
	if (messages === undefined) throw new MatrixError("M_MISSING_PARAM", "messages is required");
	if (!isObject(messages)) return undefined;
	for (const devices of Object.values(messages)) {
		if (!isObject(devices) || !Object.values(devices).every(isObject)) return undefined;
	}
	return messages as Messages;
}

export const toDeviceEndpoints: Endpoint[] = [
	{
		method: "PUT",
		path: "/_matrix/client/v3/sendToDevice/:eventType/:txnId",
		auth: "user",
		rateLimit: { perSecond: 20, burst: 100 },
		handler: async (c) => {
			const sender = c.get("user");
			const senderDevice = c.get("device");
			const type = c.req.param("eventType") ?? "";
			const txnId = c.req.param("txnId") ?? "";
			if (type === "" || txnId === "") throw new MatrixError("M_INVALID_PARAM", "eventType and txnId must not be empty");
			const messages = await readJsonBody(c, messagesBody);
			const me = e2eeUser(c.env, sender);
			if (await me.toDeviceTxnDone(sender, senderDevice, txnId)) return c.json({});
			const users = await sortUsers(c.env.DB, Object.keys(messages), c.get("config").serverName);
			// One ID for this send in every recipient's inbox: a retry after a partial failure adds no copy.
			const messageId = `${senderDevice} ${txnId}`;
			await Promise.all(
				users.local.map((u) => e2eeUser(c.env, u).receiveToDevice(u, { sender, type, messageId, messages: messages[u]! })),
			);
			// Remote recipients: one m.direct_to_device EDU per server, queued on its DestinationDO.
			const federation = c.get("e2eeFederation");
			await Promise.all(
				[...users.remote].map(([server, ids]) =>
					federation.sendToDevice(server, sender, type, messageId, Object.fromEntries(ids.map((u) => [u, messages[u]!]))),
				),
			);
			await me.recordToDeviceTxn(sender, senderDevice, txnId);
			return c.json({});
		},
	},
];
