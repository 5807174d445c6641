// Shared by send_join (v2) and send_leave (v2): checks 1–3 on the signed event in the bridge, then the room
// runs checks 4–6 and stores it. Spec: https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2send_joinroomideventid,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv2send_leaveroomideventid

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import type { AppEnv } from "../../worker/http/context";
import { readRequestJson } from "../auth/request-body";
import { checkFormat } from "../inbound/step-1-format";
import { checkSignatures } from "../inbound/step-2-signatures";
import { copyToStore } from "../inbound/step-3-content-hash";
import { keyRingFor } from "../keys/key-ring";
import { eventIdOf, roomParam } from "./room-read";

export async function sendMembership(c: Context<AppEnv>, kind: "join" | "leave"): Promise<Response> {
	const roomId = roomParam(c);
	const eventId = eventIdOf(c.req.param("eventId"), "event ID");
	const origin = c.get("origin");
	const stub = c.env.ROOM.getByName(roomId);
	const gate = unwrapRpc(await stub.federationSendGate(origin));
	const rules = roomVersionRules(gate.room_version);
	if (!rules) throw new MatrixError("M_UNSUPPORTED_ROOM_VERSION", "Unsupported room version");
	const format = await checkFormat(await readRequestJson(c), rules, roomId);
	if (!format.ok) throw new MatrixError("M_BAD_JSON", format.error);
	if (format.event.event_id !== eventId) throw new MatrixError("M_BAD_JSON", "Event ID does not match the path");
	const verdict = await checkSignatures(format.pdu, rules, keyRingFor(c.env, c.get("config")));
	if (verdict.verdict === "drop") throw new MatrixError("M_FORBIDDEN", `Signature check failed: ${verdict.error}`);
	// A membership event with a wrong content hash is not something to store redacted on a join request.
	if (verdict.verdict === "redact") throw new MatrixError("M_BAD_JSON", "Content hash does not match");
	const text = unwrapRpc(await stub.federationSendMembershipJson(origin, kind, eventId, copyToStore(format.pdu, verdict).pdu_json, Date.now()));
	// send_leave v2 answers `{}`.
	return c.body(kind === "leave" ? "{}" : text, 200, { "content-type": "application/json" });
}
