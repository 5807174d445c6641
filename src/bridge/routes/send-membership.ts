// Shared by send_join (v2), send_leave (v2) and send_knock (v1): checks 1–3 on the signed event in the
// bridge, then the room runs checks 4–6 and stores it. A restricted join that names one of our users in
// `join_authorised_via_users_server` gets our signature first, as the resident server must add it.
// Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2send_joinroomideventid,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2send_leaveroomideventid,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1send_knockroomideventid

import type { Context } from "hono";
import type { Config } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { Pdu } from "../../protocol/events/pdu";
import { signEvent } from "../../protocol/events/sign-event";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { type RoomVersionRules, roomVersionRules } from "../../protocol/room-versions/rules";
import type { AppEnv } from "../../worker/http/context";
import type { MembershipKind } from "../../worker/room/federation-membership";
import { readRequestJson } from "../auth/request-body";
import { checkFormat } from "../inbound/step-1-format";
import { checkSignatures } from "../inbound/step-2-signatures";
import { copyToStore } from "../inbound/step-3-content-hash";
import { keysWithOurOwn } from "../keys/own-key-source";
import { eventIdOf, roomParam } from "./room-read";

/**
 * send_join: "the resident server must also sign the event" when one of its users authorised a restricted
 * join; the signature is over the redacted form, so the event ID does not change.
 */
async function countersignIfOurs(pdu: Pdu, rules: RoomVersionRules, env: Env, config: Config): Promise<Pdu> {
	const authoriser = pdu.content.join_authorised_via_users_server;
	if (!rules.auth.restrictedJoinRule || typeof authoriser !== "string" || serverNameOf(authoriser) !== config.serverName) return pdu;
	const keys = await getServerKeys(env.DB, config);
	const { signatures, ...draft } = pdu;
	const ours = await signEvent(draft, config.serverName, keys.current, rules);
	return { ...pdu, signatures: { ...signatures, ...ours.signatures } };
}

export async function sendMembership(c: Context<AppEnv>, kind: MembershipKind): Promise<Response> {
	const roomId = roomParam(c);
	const eventId = eventIdOf(c.req.param("eventId"), "event ID");
	const origin = c.get("origin");
	const config = c.get("config");
	const stub = c.env.ROOM.getByName(roomId);
	const gate = unwrapRpc(await stub.federationSendGate(origin));
	const rules = roomVersionRules(gate.room_version);
	if (!rules) throw new MatrixError("M_UNSUPPORTED_ROOM_VERSION", "Unsupported room version");
	const format = await checkFormat(await readRequestJson(c), rules, roomId);
	if (!format.ok) throw new MatrixError("M_BAD_JSON", format.error);
	if (format.event.event_id !== eventId) throw new MatrixError("M_BAD_JSON", "Event ID does not match the path");
	const pdu = kind === "join" ? await countersignIfOurs(format.pdu, rules, c.env, config) : format.pdu;
	const verdict = await checkSignatures(pdu, rules, keysWithOurOwn(c.env, config));
	if (verdict.verdict === "drop") throw new MatrixError("M_FORBIDDEN", `Signature check failed: ${verdict.error}`);
	// A membership event with a wrong content hash is not something to store redacted on a join request.
	if (verdict.verdict === "redact") throw new MatrixError("M_BAD_JSON", "Content hash does not match");
	const text = unwrapRpc(await stub.federationSendMembershipJson(origin, kind, eventId, copyToStore(pdu, verdict).pdu_json, Date.now()));
	// send_leave v2 answers `{}`; send_join the room state, send_knock the knock_room_state.
	return c.body(kind === "leave" ? "{}" : text, 200, { "content-type": "application/json" });
}
