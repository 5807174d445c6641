-- Which remote users are joined to which of our rooms: the other half of room_memberships (which holds local
-- users only). It answers "who shares a room with this user" across servers in one query: the local users
-- who must hear of a remote user's device-list change, and the remote servers a local user's changes (and
-- presence) go to. Each RoomDO copies its remote members' joins and departures here from a durable change
-- log (room/remote-member-index.ts), so a crash leaves it behind only until the room's next drain.
-- Spec: https://spec.matrix.org/latest/server-server-api/#device-management ("servers which share a room")
CREATE TABLE remote_room_members (
	user_id TEXT NOT NULL,
	room_id TEXT NOT NULL,
	server_name TEXT NOT NULL,
	PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;
-- The servers in a room: a covering index for the local user → rooms → servers join.
CREATE INDEX remote_room_members_by_room ON remote_room_members (room_id, server_name);
