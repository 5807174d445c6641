// Rooms two local users are both joined to, from D1 `room_memberships` (migrations/0001).
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mutual_rooms

const BOTH_JOINED = `FROM room_memberships a JOIN room_memberships b ON a.room_id = b.room_id
	WHERE a.user_id = ?1 AND b.user_id = ?2 AND a.membership = 'join' AND b.membership = 'join'`;

/** Up to `limit` shared joined rooms after `after` (room ID order), and how many there are in all. */
export async function mutualJoinedRooms(db: D1Database, a: string, b: string, after: string | null, limit: number): Promise<{ rooms: string[]; count: number }> {
	const [page, total] = await db.batch<{ room_id?: string; n?: number }>([
		db.prepare(`SELECT a.room_id AS room_id ${BOTH_JOINED} AND a.room_id > ?3 ORDER BY a.room_id LIMIT ?4`).bind(a, b, after ?? "", limit),
		db.prepare(`SELECT COUNT(*) AS n ${BOTH_JOINED}`).bind(a, b),
	]);
	return {
		rooms: (page?.results ?? []).flatMap((r) => (typeof r.room_id === "string" ? [r.room_id] : [])),
		count: total?.results[0]?.n ?? 0,
	};
}
