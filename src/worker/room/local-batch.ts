// Several local events sent to one room in a single RoomDO call, each through the ordinary write path
// (txn dedupe → state → build + sign → auth → one transaction per event), in the order given. One call
// instead of one per event saves the Durable Object round trip and the wait for storage confirmation per
// event: the output gate confirms the whole batch once, before the reply. Used by `npm run bench` to load a
// lawful-export target with real signed events quickly (scripts/bench/export-bench.mjs).

import type { RpcResult } from "../../protocol/errors";
import type { LocalEventInput, SentEvent } from "./api";

/** Bounds the memory of one call (PDUs in flight and the results array). */
export const MAX_LOCAL_BATCH = 1_000;

export async function sendLocalBatch(
	send: (input: LocalEventInput) => Promise<RpcResult<SentEvent>>,
	inputs: readonly LocalEventInput[],
): Promise<RpcResult<RpcResult<SentEvent>[]>> {
	if (!Array.isArray(inputs)) return { ok: false, errcode: "M_BAD_JSON", error: "a batch is a list of events" };
	if (inputs.length > MAX_LOCAL_BATCH) return { ok: false, errcode: "M_TOO_LARGE", error: `at most ${MAX_LOCAL_BATCH} events per batch` };
	// The writer's serial queue keeps the order and stops interleaving with other writers; queuing them all at
	// once lets each step start as soon as the previous one committed.
	return { ok: true, value: await Promise.all(inputs.map((input) => send(input))) };
}
