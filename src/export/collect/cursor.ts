// Collector cursors: JSON text stored in D1 between pages (lawful_jobs.cursor), so a restarted job resumes
// exactly after the last committed page. Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported

export function encodeCursor(value: unknown): string {
	return JSON.stringify(value);
}

/** The cursor's value, or `initial` for the first page. A cursor is always one this code wrote. */
export function decodeCursor<T>(cursor: string | null, initial: T): T {
	return cursor === null ? initial : (JSON.parse(cursor) as T);
}
