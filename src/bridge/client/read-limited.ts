// Reading a remote body without letting the remote decide how much memory we spend on it.
// Spec context: https://spec.matrix.org/latest/server-server-api/ (remote servers are untrusted input).

import { readBounded } from "../../platform/bounded-read";

/** The body as UTF-8 text, or undefined once it passes `limit` bytes (the rest is cancelled, not read). */
export async function readLimited(res: Response, limit: number): Promise<string | undefined> {
	const declared = Number(res.headers.get("content-length") ?? "0");
	if (declared > limit) {
		await res.body?.cancel();
		return undefined;
	}
	if (!res.body) return "";
	const bytes = await readBounded(res.body, limit);
	return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}
