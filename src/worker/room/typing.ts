// Typing notifications in the RoomDO: in memory only (ARCHITECTURE.md), each with its own timeout.
// Every start, stop and expiry moves the room's ephemeral stream and wakes the joined local members.
// Spec: https://spec.matrix.org/latest/client-server-api/#typing-notifications

import type { RpcResult } from "../../protocol/errors";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { typingEdu } from "./ephemeral-federation";
import type { EphemeralHost } from "./receipts";
import { nextEphemeralPosition, wakeMembers } from "./receipts";

/** Synapse's default and cap for the `timeout` a client gives. */
export const DEFAULT_TYPING_TIMEOUT_MS = 30_000;
export const MAX_TYPING_TIMEOUT_MS = 120_000;

export class RoomTyping {
	private readonly typing = new Map<string, ReturnType<typeof setTimeout>>();

	constructor(private readonly host: EphemeralHost) {}

	/** The users typing now, sorted. */
	current(): string[] {
		return [...this.typing.keys()].sort();
	}

	async setTyping(userId: string, typing: boolean, timeoutMs: number | null): Promise<RpcResult<null>> {
		if (this.host.roomId() === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		if (this.host.membership(userId) !== "join") return { ok: false, errcode: "M_FORBIDDEN", error: "You are not joined to this room" };
		const was = this.typing.get(userId);
		if (was !== undefined) clearTimeout(was);
		if (typing) {
			const ms = Math.min(Math.max(0, timeoutMs ?? DEFAULT_TYPING_TIMEOUT_MS), MAX_TYPING_TIMEOUT_MS);
			this.typing.set(
				userId,
				setTimeout(() => void this.expire(userId), ms),
			);
			// Renewing a notification the others already see changes nothing for them.
			if (was !== undefined) return { ok: true, value: null };
		} else {
			if (was === undefined) return { ok: true, value: null };
			this.typing.delete(userId);
		}
		await this.changed(userId, typing);
		return { ok: true, value: null };
	}

	private async expire(userId: string): Promise<void> {
		if (!this.typing.delete(userId)) return;
		await this.changed(userId, false);
	}

	private async changed(userId: string, typing: boolean): Promise<void> {
		const position = this.host.transaction(() => nextEphemeralPosition(this.host.sql));
		await wakeMembers(this.host, this.host.joinedMembers(), position);
		// Remote members' typing came from their own server, which tells the others itself.
		const roomId = this.host.roomId();
		if (roomId !== null && serverNameOf(userId) === this.host.serverName()) {
			this.host.federateEdu(typingEdu(roomId, userId, typing), `m.typing ${roomId} ${position}`);
		}
	}
}
