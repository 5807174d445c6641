-- Which room holds an event, for GET /_matrix/federation/v1/event/{eventId}: the path names no room, and an
-- event ID (rooms v3+) is a hash that names none either. Each RoomDO copies its events' IDs here after they
-- commit, from a durable cursor (room/event-index.ts), so every stored event becomes findable.
-- Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1eventeventid
CREATE TABLE event_rooms (
	event_id TEXT PRIMARY KEY,
	room_id TEXT NOT NULL
) WITHOUT ROWID;
