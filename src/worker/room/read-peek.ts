// The peeking event stream, GET /events?room_id=: new events of one room from a token, for a reader the room's
// history visibility lets in (a member, or anyone for a world_readable room), waiting up to a timeout when
// there are none yet. It is a forward /messages page from the token, so visibility and formatting are the
// same; the answer's `end` is where the next request starts.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3events

import type { RpcResult } from "../../protocol/errors";
import type { ClientEvent } from "./api";
import type { MessagesRequest, MessagesResponse, Reader } from "./read-api";
import { formatRoomToken, parseRoomToken } from "./read-token";
import type { PositionWaiters } from "./position-waiters";

/** As /sync caps its long-poll (user/sync/sync-engine.ts). */
export const MAX_PEEK_TIMEOUT_MS = 60_000;
/** Events per answer; a client that falls further behind gets the rest on its next request. */
export const MAX_PEEK_EVENTS = 100;

export interface PeekRequest extends Reader {
	/** A room token (from /rooms/{roomId}/initialSync or a previous answer); omitted: from the live end. */
	from?: string;
	timeout_ms: number;
	limit: number;
}

export interface PeekResponse {
	start: string;
	end: string;
	chunk: ClientEvent[];
}

export interface PeekDeps {
	readMessages(req: MessagesRequest): RpcResult<MessagesResponse>;
	/** The room's stream position now. */
	position(): number;
	waiters: PositionWaiters;
}

export async function peekEvents(deps: PeekDeps, req: PeekRequest): Promise<RpcResult<PeekResponse>> {
	const fromPosition = req.from === undefined ? deps.position() : parseRoomToken(req.from);
	if (fromPosition === undefined) return { ok: false, errcode: "M_INVALID_PARAM", error: "Invalid from token" };
	const from = formatRoomToken(fromPosition);
	// RPC arguments are not type-checked at runtime.
	const limit = Number.isSafeInteger(req.limit) ? Math.min(Math.max(1, req.limit), MAX_PEEK_EVENTS) : MAX_PEEK_EVENTS;
	const timeout = Number.isSafeInteger(req.timeout_ms) ? Math.min(Math.max(0, req.timeout_ms), MAX_PEEK_TIMEOUT_MS) : 0;
	const page = () => deps.readMessages({ user_id: req.user_id, ...(req.device_id === undefined ? {} : { device_id: req.device_id }), dir: "f", from, limit });
	let result = page();
	if (result.ok && result.value.chunk.length === 0 && timeout > 0) {
		await deps.waiters.wait(fromPosition, timeout);
		result = page();
	}
	if (!result.ok) return result;
	// A forward page keeps `end` whenever it returned events; with none, the client asks again from `from`.
	return { ok: true, value: { start: from, end: result.value.end ?? from, chunk: result.value.chunk } };
}
