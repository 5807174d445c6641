// The federation media answer: multipart/mixed with two parts, the metadata (a JSON object, empty for now)
// and then the media itself with its Content-Type and Content-Disposition, streamed through (never
// buffered here). We always send the bytes, never the alternative Location part: they are in our own R2.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1mediadownloadmediaid

/** The part headers of the media that carry over from a client-API media response. */
const PART_HEADERS = ["Content-Type", "Content-Disposition"] as const;

/** Wraps a client-API media response (media/serve.ts) as the spec's two-part multipart/mixed body. */
export function multipartMedia(media: Response): Response {
	const boundary = crypto.randomUUID().replaceAll("-", "");
	const encoder = new TextEncoder();
	const headers = PART_HEADERS.flatMap((name) => {
		const value = media.headers.get(name);
		return value === null ? [] : [`${name}: ${value}\r\n`];
	});
	const head = encoder.encode(`--${boundary}\r\nContent-Type: application/json\r\n\r\n{}\r\n--${boundary}\r\n${headers.join("")}\r\n`);
	const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
	const reader = media.body?.getReader();
	let started = false;
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (!started) {
				started = true;
				controller.enqueue(head);
				return;
			}
			const chunk = reader === undefined ? { done: true as const, value: undefined } : await reader.read();
			if (!chunk.done) {
				controller.enqueue(chunk.value);
				return;
			}
			controller.enqueue(tail);
			controller.close();
		},
		cancel: (reason) => reader?.cancel(reason),
	});
	return new Response(body, { status: 200, headers: { "Content-Type": `multipart/mixed; boundary=${boundary}` } });
}
