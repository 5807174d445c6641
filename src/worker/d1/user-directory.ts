// The user directory search over D1: local users who share a joined room with the searcher or are joined
// to a published room, matched on user ID and display name.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3user_directorysearch

export interface DirectoryUser {
	user_id: string;
	display_name?: string;
	avatar_url?: string;
}

type Row = { user_id: string; display_name: string | null; avatar_url: string | null };

/** `%`, `_` and `\` are LIKE syntax; escape them so the term matches literally. */
function likePattern(term: string): string {
	return `%${term.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * Up to `limit` matches plus whether more exist. Candidates: the searcher's fellow joined members and
 * every joined member of a public room. Ordered: display-name matches first, then by user ID.
 */
export async function searchUserDirectory(db: D1Database, searcher: string, term: string, limit: number): Promise<{ results: DirectoryUser[]; limited: boolean }> {
	const { results } = await db
		.prepare(
			`WITH candidates AS (
				SELECT b.user_id FROM room_memberships a JOIN room_memberships b ON a.room_id = b.room_id
				WHERE a.user_id = ?1 AND a.membership = 'join' AND b.membership = 'join'
				UNION
				SELECT m.user_id FROM room_memberships m JOIN room_directory d ON d.room_id = m.room_id
				WHERE m.membership = 'join' AND d.visibility = 'public'
			)
			SELECT c.user_id, u.display_name, u.avatar_url FROM candidates c LEFT JOIN user_directory u ON u.user_id = c.user_id
			WHERE lower(c.user_id) LIKE ?2 ESCAPE '\\' OR lower(coalesce(u.display_name, '')) LIKE ?2 ESCAPE '\\'
			ORDER BY (lower(coalesce(u.display_name, '')) LIKE ?2 ESCAPE '\\') DESC, c.user_id
			LIMIT ?3`,
		)
		.bind(searcher, likePattern(term), limit + 1)
		.all<Row>();
	const users = results.slice(0, limit).map((r) => {
		const user: DirectoryUser = { user_id: r.user_id };
		if (r.display_name !== null) user.display_name = r.display_name;
		if (r.avatar_url !== null) user.avatar_url = r.avatar_url;
		return user;
	});
	return { results: users, limited: results.length > limit };
}
