-- Lawful access, IP targets (LAWFUL_ACCESS.md "Order format": IPV4Address/IPV6Address with observedTime):
-- which local account's device used an address, and from when to when. One row per (ip, user, device),
-- written by the UserDO's throttled session touch (at most once a minute per device, IP and user agent), so
-- first/last seen are as exact as the per-device session records. Purged with the session IPs
-- (SESSION_IP_RETENTION_DAYS) by the hourly job, except for accounts a preservation hold names.
-- IPs are stored in canonical text form (src/platform/session-ip-index.ts canonicalIp).
CREATE TABLE session_ip_index (
	ip TEXT NOT NULL,
	user_id TEXT NOT NULL,
	device_id TEXT NOT NULL,
	first_seen_ts INTEGER NOT NULL,
	last_seen_ts INTEGER NOT NULL,
	PRIMARY KEY (ip, user_id, device_id)
);
CREATE INDEX session_ip_index_by_last_seen ON session_ip_index (last_seen_ts);
