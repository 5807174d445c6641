// Validating POST /pushers/set bodies: what a pusher is and when a request deletes one.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3pushersset

import type { JsonObject } from "../events/pdu";
import { MatrixError } from "../errors";
import { utf8Length } from "../ids/common";

/** A pusher as GET /pushers lists it. */
export interface Pusher {
	pushkey: string;
	kind: string;
	app_id: string;
	app_display_name: string;
	device_display_name: string;
	profile_tag?: string;
	lang: string;
	data: JsonObject;
}

/** What a /pushers/set request asks for: a pusher to create or update, or one to delete. */
export type PusherRequest =
	| { action: "set"; pusher: Pusher; append: boolean }
	| { action: "delete"; app_id: string; pushkey: string };

const MAX_PUSHKEY_BYTES = 512;
const MAX_APP_ID_CHARS = 64;
/** "MUST be an HTTPS URL with a path of /_matrix/push/v1/notify". */
const NOTIFY_PATH = "/_matrix/push/v1/notify";

function isObject(v: unknown): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses the body: wrong types → M_BAD_JSON, missing fields → M_MISSING_PARAM, bad values → M_INVALID_PARAM. */
export function parsePusherRequest(body: JsonObject): PusherRequest {
	const missing = ["kind", "app_id", "pushkey"].filter((k) => !(k in body));
	if (missing.length > 0) throw new MatrixError("M_MISSING_PARAM", `Missing parameters: ${missing.join(", ")}`);
	const { pushkey, app_id, kind } = body;
	if (typeof pushkey !== "string" || typeof app_id !== "string") throw new MatrixError("M_BAD_JSON", "pushkey and app_id must be strings");
	if (utf8Length(pushkey) > MAX_PUSHKEY_BYTES) throw new MatrixError("M_INVALID_PARAM", "pushkey may be at most 512 bytes");
	if ([...app_id].length > MAX_APP_ID_CHARS) throw new MatrixError("M_INVALID_PARAM", "app_id may be at most 64 characters");
	if (kind === null) return { action: "delete", app_id, pushkey };
	if (typeof kind !== "string") throw new MatrixError("M_BAD_JSON", "kind must be a string or null");

	const required = ["app_display_name", "device_display_name", "lang", "data"].filter((k) => body[k] === undefined);
	if (required.length > 0) throw new MatrixError("M_MISSING_PARAM", `Missing parameters: ${required.join(", ")}`);
	const { app_display_name, device_display_name, lang, data, profile_tag, append } = body;
	if (typeof app_display_name !== "string" || typeof device_display_name !== "string" || typeof lang !== "string") {
		throw new MatrixError("M_BAD_JSON", "app_display_name, device_display_name and lang must be strings");
	}
	if (!isObject(data)) throw new MatrixError("M_BAD_JSON", "data must be an object");
	if (profile_tag !== undefined && typeof profile_tag !== "string") throw new MatrixError("M_BAD_JSON", "profile_tag must be a string");
	if (append !== undefined && typeof append !== "boolean") throw new MatrixError("M_BAD_JSON", "append must be a boolean");
	if (kind === "http") checkHttpData(data);
	else if (kind !== "email") throw new MatrixError("M_INVALID_PARAM", `Unknown pusher kind: ${kind}`);

	const pusher: Pusher = { pushkey, kind, app_id, app_display_name, device_display_name, lang, data };
	if (profile_tag !== undefined) pusher.profile_tag = profile_tag;
	return { action: "set", pusher, append: append === true };
}

function checkHttpData(data: JsonObject): void {
	if (typeof data.url !== "string") throw new MatrixError("M_MISSING_PARAM", "data.url is required for http pushers");
	let url: URL;
	try {
		url = new URL(data.url);
	} catch {
		throw new MatrixError("M_INVALID_PARAM", "data.url is not a URL");
	}
	if (url.protocol !== "https:" || url.pathname !== NOTIFY_PATH) {
		throw new MatrixError("M_INVALID_PARAM", `data.url must be an https URL with the path ${NOTIFY_PATH}`);
	}
	if (data.format !== undefined && data.format !== "event_id_only") throw new MatrixError("M_INVALID_PARAM", "data.format must be event_id_only");
}
