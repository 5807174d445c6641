// The UserDO's RPC surfaces that other objects call (ARCHITECTURE.md "Pokes carry positions").

/** What a RoomDO tells a local user's UserDO: "room X is at position N". Idempotent; a larger N wins. */
export interface RoomPokeApi {
	poke(roomId: string, position: number): Promise<void>;
	/** Wakes at once, logs within a short delay; answers the position logged (durably) so far, or null. */
	pokeSoon(roomId: string, position: number): Promise<number | null>;
}
