// Reading a remote body without letting the remote decide how much memory we spend on it.
// Spec context: https://spec.matrix.org/latest/server-server-api/ (remote servers are untrusted input).

/** The body as UTF-8 text, or undefined once it passes `limit` bytes (the rest is cancelled, not read). */
export async function readLimited(res: Response, limit: number): Promise<string | undefined> {
	const declared = Number(res.headers.get("content-length") ?? "0");
	if (declared > limit) {
		await res.body?.cancel();
		return undefined;
	}
	if (!res.body) return "";
	const reader = res.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel();
			return undefined;
		}
		chunks.push(value);
	}
	const all = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		all.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return new TextDecoder().decode(all);
}
