// The server part of an identifier, where the identifier has one.
// Spec: https://spec.matrix.org/latest/appendices/#common-identifier-format

import type { EventId } from "./event-id";
import type { RoomAlias } from "./room-alias";
import type { RoomId } from "./room-id";
import { parseServerName, type ServerName } from "./server-name";
import type { UserId } from "./user-id";

/**
 * The `domain` of `&localpart:domain`. User IDs and aliases always have one; room IDs from v12 and event
 * IDs from v3 do not, and any other string answers undefined unless it has a valid server name after
 * its first colon.
 */
export function serverNameOf(id: UserId | RoomAlias): ServerName;
export function serverNameOf(id: RoomId | EventId | string): ServerName | undefined;
export function serverNameOf(id: string): ServerName | undefined {
	const colon = id.indexOf(":");
	if (colon < 1) return undefined;
	return parseServerName(id.slice(colon + 1));
}
