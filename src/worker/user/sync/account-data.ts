// Account data (global and per room) and room tags, which are the per-room `m.tag` account data.
// Every write takes a user-stream position, so /sync sends each change once, and wakes long-polls.
// Spec: https://spec.matrix.org/latest/client-server-api/#client-config and
// https://spec.matrix.org/latest/client-server-api/#room-tagging

import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject, JsonValue } from "../../../protocol/events/pdu";
import type { SyncStore } from "./stream-store";

/**
 * Spec (PUT account_data, 405 M_BAD_JSON): types "controlled by the server" that clients may not set
 * through this API: push rules have their own endpoints, m.fully_read is set through read markers.
 */
const SERVER_CONTROLLED = new Set(["m.push_rules", "m.fully_read"]);

/** Room IDs are a parameter here; '' in the table means global. */
export function putAccountData(store: SyncStore, roomId: string, type: string, content: JsonObject): RpcResult<null> {
	if (SERVER_CONTROLLED.has(type)) {
		return { ok: false, errcode: "M_BAD_JSON", error: `Cannot set ${type} through this API`, status: 405 };
	}
	store.putAccountData(roomId, type, JSON.stringify(content));
	return { ok: true, value: null };
}

/** For server-side writers (read markers): no SERVER_CONTROLLED check. */
export function putServerAccountData(store: SyncStore, roomId: string, type: string, content: JsonObject): void {
	store.putAccountData(roomId, type, JSON.stringify(content));
}

export function getAccountData(store: SyncStore, roomId: string, type: string): RpcResult<JsonObject> {
	const text = store.getAccountData(roomId, type);
	if (text === null) return { ok: false, errcode: "M_NOT_FOUND", error: "No account data of that type" };
	return { ok: true, value: JSON.parse(text) as JsonObject };
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The room's tags: `{tag: {order?}}` from m.tag, or an empty set. */
export function getTags(store: SyncStore, roomId: string): JsonObject {
	const text = store.getAccountData(roomId, "m.tag");
	const tags = text === null ? undefined : (JSON.parse(text) as JsonObject).tags;
	return isObject(tags) ? tags : {};
}

export function putTag(store: SyncStore, roomId: string, tag: string, body: JsonObject): void {
	const tags = getTags(store, roomId);
	tags[tag] = body;
	store.putAccountData(roomId, "m.tag", JSON.stringify({ tags }));
}

/** Removing a tag the room does not have changes nothing (and wakes nobody). */
export function deleteTag(store: SyncStore, roomId: string, tag: string): boolean {
	const tags = getTags(store, roomId);
	if (!(tag in tags)) return false;
	delete tags[tag];
	store.putAccountData(roomId, "m.tag", JSON.stringify({ tags }));
	return true;
}
