// Stored filters (POST/GET /user/{userId}/filter) and the /sync `filter` parameter, which is either a
// stored filter's ID or inline filter JSON.
// Spec: https://spec.matrix.org/latest/client-server-api/#filtering

import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject, JsonValue } from "../../../protocol/events/pdu";
import { type Filter, FilterError, parseFilter } from "../../../protocol/sync/filter";
import type { SyncStore } from "./stream-store";

const FILTER_ID = /^[0-9]{1,15}$/;

const isObject = (v: JsonValue): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates and stores a filter; the ID is the string the client passes back. */
export function createFilter(store: SyncStore, json: JsonObject): RpcResult<string> {
	try {
		parseFilter(json);
	} catch (err) {
		if (err instanceof FilterError) return { ok: false, errcode: "M_BAD_JSON", error: err.message };
		throw err;
	}
	// The definition is kept as uploaded, so GET returns what the client sent.
	return { ok: true, value: String(store.insertFilter(JSON.stringify(json))) };
}

export function getFilter(store: SyncStore, filterId: string): RpcResult<JsonObject> {
	const text = FILTER_ID.test(filterId) ? store.getFilter(Number(filterId)) : null;
	if (text === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown filter" };
	return { ok: true, value: JSON.parse(text) as JsonObject };
}

/** The /sync `filter` parameter: inline JSON if it starts with "{", else a stored filter ID. */
export function resolveFilter(store: SyncStore, param: string | null): RpcResult<Filter> {
	if (param === null || param === "") return { ok: true, value: {} };
	let json: JsonValue;
	if (param.trimStart().startsWith("{")) {
		try {
			json = JSON.parse(param) as JsonValue;
		} catch {
			return { ok: false, errcode: "M_NOT_JSON", error: "The filter parameter is not valid JSON" };
		}
	} else {
		const stored = getFilter(store, param);
		if (!stored.ok) return { ok: false, errcode: "M_INVALID_PARAM", error: "Unknown filter ID" };
		json = stored.value;
	}
	if (!isObject(json)) return { ok: false, errcode: "M_INVALID_PARAM", error: "The filter must be a JSON object" };
	try {
		return { ok: true, value: parseFilter(json) };
	} catch (err) {
		if (err instanceof FilterError) return { ok: false, errcode: "M_INVALID_PARAM", error: err.message };
		throw err;
	}
}
