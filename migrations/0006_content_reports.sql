-- Reports of rooms and events for the server's administrators (POST /rooms/{roomId}/report[/{eventId}]).
-- Only IDs, the reporter's reason and score are kept; the event's content stays in its room.
-- Spec: https://spec.matrix.org/latest/client-server-api/#reporting-content
CREATE TABLE content_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	reporter TEXT NOT NULL,
	room_id TEXT NOT NULL,
	event_id TEXT,
	reason TEXT,
	score INTEGER,
	created_ts INTEGER NOT NULL
);
CREATE INDEX content_reports_by_room ON content_reports (room_id, created_ts);
