// PUT /_matrix/federation/v2/invite/{roomId}/{eventId}: a remote server invites one of our users to a
// room we may not hold. We check the event, countersign it ("the invited homeserver ... signs the event")
// and keep it with its stripped state for the invitee's /sync (or, for a room we hold, take it as one
// of its PDUs); answer `{event}`.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2inviteroomideventid

import type { Context } from "hono";
import { getServerKeys } from "../../platform/signing-key/server-key";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { signEvent } from "../../protocol/events/sign-event";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import type { StrippedStateEvent } from "../../worker/room/api";
import { readRequestJson } from "../auth/request-body";
import { JOINABLE_ROOM_VERSIONS } from "../joins/make-membership-event";
import { strippedStateOf } from "../joins/stripped-state";
import { checkFormat } from "../inbound/step-1-format";
import { checkSignatures } from "../inbound/step-2-signatures";
import { keyRingFor } from "../keys/key-ring";
import { eventIdOf, roomParam } from "./room-read";

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

async function handler(c: Context<AppEnv>): Promise<Response> {
	const roomId = roomParam(c);
	const eventId = eventIdOf(c.req.param("eventId"), "event ID");
	const origin = c.get("origin");
	const config = c.get("config");
	const body = await readRequestJson(c);
	if (!isObject(body) || !isObject(body.event) || typeof body.room_version !== "string") throw new MatrixError("M_BAD_JSON", "event and room_version are required");
	// "M_INCOMPATIBLE_ROOM_VERSION: The receiving server does not support the room version."
	const rules = (JOINABLE_ROOM_VERSIONS as readonly string[]).includes(body.room_version) ? roomVersionRules(body.room_version) : undefined;
	if (!rules) throw new MatrixError("M_INCOMPATIBLE_ROOM_VERSION", "This server does not support the room's version", { status: 400, extra: { room_version: body.room_version } });
	const format = await checkFormat(body.event, rules, roomId);
	if (!format.ok) throw new MatrixError("M_BAD_JSON", format.error);
	const event = format.event;
	if (event.event_id !== eventId) throw new MatrixError("M_BAD_JSON", "Event ID does not match the path");
	if (event.type !== "m.room.member" || event.content.membership !== "invite" || event.state_key === undefined) throw new MatrixError("M_BAD_JSON", "Not an invite event");
	if (serverNameOf(event.sender) !== origin) throw new MatrixError("M_FORBIDDEN", "The inviter is not on the requesting server");
	if (serverNameOf(event.state_key) !== config.serverName) throw new MatrixError("M_FORBIDDEN", "The invitee is not on this server");
	const account = await c.env.DB.prepare("SELECT deactivated FROM accounts WHERE user_id = ?1").bind(event.state_key).first<{ deactivated: number }>();
	if (account === null || account.deactivated === 1) throw new MatrixError("M_NOT_FOUND", "Unknown user");
	const verdict = await checkSignatures(format.pdu, rules, keyRingFor(c.env, config));
	if (verdict.verdict === "drop") throw new MatrixError("M_FORBIDDEN", `Signature check failed: ${verdict.error}`);
	if (verdict.verdict === "redact") throw new MatrixError("M_BAD_JSON", "Content hash does not match");

	// Our signature joins the inviting server's (signEvent keeps the signatures already present).
	const keys = await getServerKeys(c.env.DB, config);
	const { signatures, ...draft } = format.pdu;
	const ours = await signEvent(draft, config.serverName, keys.current, rules);
	const signed = { ...format.pdu, signatures: { ...signatures, ...ours.signatures } };

	const { signatures: _s, hashes: _h, unsigned: _u, ...own } = signed;
	const stripped = [...strippedStateOf(body.invite_room_state), { type: own.type, state_key: event.state_key, sender: own.sender, content: own.content }];
	const room = c.env.ROOM.getByName(roomId);
	if ((await room.getRoomInfo()) === null) {
		unwrapRpc(await room.receiveRemoteInvite(roomId, event.state_key, { event_id: eventId, origin, membership: "invite", stripped_state: stripped }));
	} else {
		// A room we hold: the invite is a PDU of it. Stored now if we hold its prev events; otherwise it
		// arrives with the inviting server's next /send (the room's servers get every event).
		const outcome = unwrapRpc(await room.ingestRemoteEvents([{ pdu_json: JSON.stringify(signed), outlier: false }], Date.now()))[0];
		if (outcome?.status === "rejected") throw new MatrixError("M_FORBIDDEN", "The room's state does not allow this invite");
	}
	return c.json({ event: signed });
}

export const inviteEndpoints: Endpoint[] = [{ method: "PUT", path: "/_matrix/federation/v2/invite/:roomId/:eventId", auth: "server", rateLimit: { perSecond: 2, burst: 10 }, handler }];
