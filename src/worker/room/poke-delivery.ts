// Where the room outbox hands off to: the D1 membership index, then the user's UserDO poke.
// docs/client-server.md "Pokes and sync": pokes carry positions, are idempotent, and a larger position wins.

import { stubByName } from "../../platform/durable-object-ids";
import { upsertMembership } from "../d1/memberships";
import type { PokeDelivery } from "./outbox-drain";

/**
 * The index is written before the poke, so a /sync woken by the poke already finds the room in
 * /joined_rooms. Either failing throws, and the drain retries both (both are idempotent). Answers the
 * position the user's stream has durably logged: the UserDO logs pokes in batches (pokeSoon), or at once
 * when `waitForLog` (poke).
 */
export function pokeDelivery(env: Env, roomId: string, now: () => number, waitForLog: boolean): PokeDelivery {
	return async (target, position, change) => {
		if (change !== null) await upsertMembership(env.DB, target, roomId, change.membership, change.event_id, now());
		// UserDO implements RoomPokeApi (user/api.ts). The alarm, the safety net, waits for the log.
		const user = stubByName(env.USER, target);
		if (!waitForLog) return (await user.pokeSoon(roomId, position)) ?? -1;
		await user.poke(roomId, position);
		return position;
	};
}
