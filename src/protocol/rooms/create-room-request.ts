// The body of POST /createRoom, checked field by field into a typed request.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3createroom

import type { JsonObject, JsonValue } from "../events/pdu";
import { MatrixError } from "../errors";
import { parseUserId } from "../ids/user-id";

export type RoomPreset = "private_chat" | "trusted_private_chat" | "public_chat";
const PRESETS: readonly string[] = ["private_chat", "trusted_private_chat", "public_chat"];

export interface InitialStateEvent {
	type: string;
	state_key: string;
	content: JsonObject;
}

export interface CreateRoomRequest {
	visibility: "public" | "private";
	/** The preset after the spec's default: public_chat for public rooms, private_chat otherwise. */
	preset: RoomPreset;
	room_alias_name?: string;
	name?: string;
	topic?: string;
	invite: string[];
	/** Third-party invites need an identity server; we refuse non-empty lists. */
	invite_3pid_count: number;
	room_version?: string;
	creation_content: JsonObject;
	initial_state: InitialStateEvent[];
	is_direct: boolean;
	power_level_content_override?: JsonObject;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(message: string): never {
	throw new MatrixError("M_BAD_JSON", message);
}

function optionalString(body: JsonObject, key: string): string | undefined {
	const v = body[key];
	if (v === undefined) return undefined;
	if (typeof v !== "string") bad(`${key} must be a string`);
	return v;
}

function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
	const v = body[key];
	if (v === undefined) return undefined;
	if (!isObject(v)) bad(`${key} must be an object`);
	return v;
}

/** Parses the request body. Throws M_BAD_JSON for wrong types, M_INVALID_PARAM for bad user IDs. */
export function parseCreateRoomRequest(body: JsonObject): CreateRoomRequest {
	const visibility = optionalString(body, "visibility") ?? "private";
	if (visibility !== "public" && visibility !== "private") bad("visibility must be public or private");
	const presetText = optionalString(body, "preset");
	if (presetText !== undefined && !PRESETS.includes(presetText)) bad("preset must be private_chat, trusted_private_chat or public_chat");
	const preset = (presetText as RoomPreset | undefined) ?? (visibility === "public" ? "public_chat" : "private_chat");

	const inviteRaw = body.invite ?? [];
	if (!Array.isArray(inviteRaw)) bad("invite must be an array");
	const invite = inviteRaw.map((u) => {
		if (typeof u !== "string") bad("invite must be an array of user IDs");
		if (parseUserId(u) === undefined) throw new MatrixError("M_INVALID_PARAM", `invalid user ID in invite: ${JSON.stringify(u.slice(0, 64))}`);
		return u;
	});
	const invite3pid = body.invite_3pid ?? [];
	if (!Array.isArray(invite3pid)) bad("invite_3pid must be an array");

	const initialRaw = body.initial_state ?? [];
	if (!Array.isArray(initialRaw)) bad("initial_state must be an array");
	const initial_state = initialRaw.map((e): InitialStateEvent => {
		if (!isObject(e)) bad("initial_state entries must be objects");
		const type = e.type;
		const stateKey = e.state_key ?? "";
		if (typeof type !== "string") bad("initial_state entries need a string type");
		if (typeof stateKey !== "string") bad("initial_state state_key must be a string");
		if (!isObject(e.content)) bad("initial_state entries need object content");
		return { type, state_key: stateKey, content: e.content };
	});

	const isDirect = body.is_direct ?? false;
	if (typeof isDirect !== "boolean") bad("is_direct must be a boolean");

	const request: CreateRoomRequest = {
		visibility,
		preset,
		invite: [...new Set(invite)],
		invite_3pid_count: invite3pid.length,
		creation_content: optionalObject(body, "creation_content") ?? {},
		initial_state,
		is_direct: isDirect,
	};
	const aliasName = optionalString(body, "room_alias_name");
	if (aliasName !== undefined) request.room_alias_name = aliasName;
	const name = optionalString(body, "name");
	if (name !== undefined) request.name = name;
	const topic = optionalString(body, "topic");
	if (topic !== undefined) request.topic = topic;
	const version = optionalString(body, "room_version");
	if (version !== undefined) request.room_version = version;
	const override = optionalObject(body, "power_level_content_override");
	if (override !== undefined) request.power_level_content_override = override;
	return request;
}
