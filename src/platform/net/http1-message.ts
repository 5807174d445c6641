// One HTTP/1.1 exchange as bytes, for a socket we opened ourselves (see http1-over-socket.ts): the request
// written out, and the response read off a byte stream into a standard Response. The sender is an
// untrusted remote server: the head is bounded here, the body is handed on as a stream that the caller
// reads with its own byte limit (readBounded); a framing error or an early end makes that stream fail
// rather than pass off a truncated body as whole.
// RFC 9112: section 3 (request line), 4 (status line), 5 (fields), 6.3 (body length), 7.1 (chunked).

/** Status line and header fields together; real servers send a few KiB. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (size and extensions); anything longer is not a real server. */
const MAX_CHUNK_LINE_BYTES = 4096;
/** Trailer fields after the last chunk: read and dropped, but not without end. */
const MAX_TRAILER_LINES = 100;

export class Http1Error extends Error {
	override name = "Http1Error";
}

const encoder = new TextEncoder();
/** Our own fields never carry line breaks; a value that does would smuggle a second request. */
const UNSAFE = /[\0\r\n]/;
const OWN_FIELDS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

export interface Http1Request {
	method: string;
	/** The request target: path and query, already percent-encoded. */
	target: string;
	hostHeader: string;
	/** Further fields; Host, Content-Length and Connection are set here. */
	headers: Record<string, string>;
	body?: string;
}

/** The request head and body as bytes. Throws on a name or value that would break the framing. */
export function http1RequestBytes(req: Http1Request): Uint8Array {
	if (!/^[A-Z]+$/.test(req.method) || !/^\/[!-~]*$/.test(req.target)) throw new TypeError("bad request line");
	const body = req.body === undefined ? undefined : encoder.encode(req.body);
	const fields: [string, string][] = [["Host", req.hostHeader]];
	for (const [name, value] of Object.entries(req.headers)) {
		if (!OWN_FIELDS.has(name.toLowerCase())) fields.push([name, value]);
	}
	if (body !== undefined) fields.push(["Content-Length", String(body.byteLength)]);
	fields.push(["Connection", "close"]);
	let head = `${req.method} ${req.target} HTTP/1.1\r\n`;
	for (const [name, value] of fields) {
		if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || UNSAFE.test(value)) throw new TypeError("bad header field");
		head += `${name}: ${value}\r\n`;
	}
	const headBytes = encoder.encode(`${head}\r\n`);
	if (body === undefined) return headBytes;
	const all = new Uint8Array(headBytes.byteLength + body.byteLength);
	all.set(headBytes);
	all.set(body, headBytes.byteLength);
	return all;
}

const CRLF = new Uint8Array([13, 10]);

/**
 * `promise`, or the signal's reason as soon as it aborts: a socket's pending open, write or read need not
 * settle when the socket is closed under it, and the caller's deadline must hold regardless.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return promise;
	if (signal.aborted) return Promise.reject(signal.reason);
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		signal.addEventListener("abort", onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
	});
}

/** Pulls bytes from a stream reader, keeping what was read beyond the last request. */
class ByteReader {
	private buffer = new Uint8Array(0);
	constructor(
		private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
		private readonly signal?: AbortSignal,
	) {
		// Cancelling ends a pending read at once, whatever the socket underneath does.
		signal?.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
	}

	/** Reads more into the buffer; false at the end of the stream. */
	private async fill(): Promise<boolean> {
		const { done, value } = await untilAborted(this.reader.read(), this.signal);
		if (done) return false;
		const next = new Uint8Array(this.buffer.byteLength + value.byteLength);
		next.set(this.buffer);
		next.set(value, this.buffer.byteLength);
		this.buffer = next;
		return true;
	}

	/** Bytes up to `delimiter` (which is consumed, not returned), looking no further than `limit` bytes. */
	async until(delimiter: Uint8Array, limit: number, what: string): Promise<Uint8Array> {
		let from = 0;
		for (;;) {
			const at = indexOf(this.buffer, delimiter, from);
			if (at >= 0) {
				if (at > limit) throw new Http1Error(`${what} too long`);
				return this.take(at, delimiter.byteLength);
			}
			if (this.buffer.byteLength > limit + delimiter.byteLength) throw new Http1Error(`${what} too long`);
			from = Math.max(0, this.buffer.byteLength - delimiter.byteLength + 1);
			if (!(await this.fill())) throw new Http1Error(`connection closed in the ${what}`);
		}
	}

	/** Up to `max` bytes (at least one), or undefined at the end of the stream. */
	async some(max: number): Promise<Uint8Array | undefined> {
		if (this.buffer.byteLength === 0 && !(await this.fill())) return undefined;
		return this.take(Math.min(max, this.buffer.byteLength), 0);
	}

	private take(n: number, skip: number): Uint8Array {
		const out = this.buffer.slice(0, n);
		this.buffer = this.buffer.subarray(n + skip);
		return out;
	}

	cancel(): Promise<void> {
		return this.reader.cancel();
	}
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
	outer: for (let i = from; i <= haystack.byteLength - needle.byteLength; i++) {
		for (let j = 0; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}

const latin1 = new TextDecoder("latin1");
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [\t -~\x80-\xff]*)?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface Head {
	status: number;
	headers: Headers;
}

/** The status line and fields, as far as the blank line. */
async function readHead(bytes: ByteReader): Promise<Head> {
	const text = latin1.decode(await bytes.until(new Uint8Array([13, 10, 13, 10]), MAX_HEAD_BYTES, "response head"));
	const [statusLine = "", ...lines] = text.split("\r\n");
	const m = STATUS_LINE.exec(statusLine);
	if (!m) throw new Http1Error("bad status line");
	const headers = new Headers();
	for (const line of lines) {
		const colon = line.indexOf(":");
		// No colon, whitespace before it, or an obsolete folded line (RFC 9112 section 5.2): refuse.
		if (colon <= 0 || !FIELD_NAME.test(line.slice(0, colon))) throw new Http1Error("bad header field");
		const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, "");
		if (/[\0\r\n]/.test(value)) throw new Http1Error("bad header field");
		headers.append(line.slice(0, colon), value);
	}
	return { status: Number(m[1]), headers };
}

/** How the body is delimited (RFC 9112 section 6.3). */
type Framing = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

function framingOf(status: number, headers: Headers, method: string): Framing {
	if (method === "HEAD" || status === 204 || status === 304) return { kind: "none" };
	const te = headers.get("transfer-encoding");
	if (te !== null) {
		// Chunked must be the final coding; we ask for none other, so anything else is refused.
		if (te.trim().toLowerCase() !== "chunked") throw new Http1Error("unsupported transfer coding");
		return { kind: "chunked" };
	}
	const cl = headers.get("content-length");
	if (cl !== null) {
		// Repeated fields arrive joined by ", "; they must all agree (section 6.3, item 5).
		const values = new Set(cl.split(",").map((v) => v.trim()));
		const [only] = values;
		if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) throw new Http1Error("bad Content-Length");
		return { kind: "length", length: Number(only) };
	}
	return { kind: "close" };
}

/** The body bytes per `framing`, as a stream that errors on a framing fault or an early end. */
function bodyStream(bytes: ByteReader, framing: Framing, onDone: () => void): ReadableStream<Uint8Array> {
	let remaining = framing.kind === "length" ? framing.length : 0;
	let chunkLeft = 0;
	let finished = false;
	const end = (controller: ReadableStreamDefaultController<Uint8Array>) => {
		finished = true;
		controller.close();
		onDone();
	};
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				if (framing.kind === "length") {
					if (remaining === 0) return end(controller);
					const got = await bytes.some(Math.min(remaining, 64 * 1024));
					if (got === undefined) throw new Http1Error("connection closed in the body");
					remaining -= got.byteLength;
					controller.enqueue(got);
					if (remaining === 0) end(controller);
					return;
				}
				if (framing.kind === "close") {
					const got = await bytes.some(64 * 1024);
					if (got === undefined) return end(controller);
					controller.enqueue(got);
					return;
				}
				// chunked: chunk-size [ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF
				if (chunkLeft === 0) {
					const line = latin1.decode(await bytes.until(CRLF, MAX_CHUNK_LINE_BYTES, "chunk size"));
					const size = /^([0-9A-Fa-f]{1,12})[\t ]*(;.*)?$/.exec(line);
					if (!size) throw new Http1Error("bad chunk size");
					chunkLeft = parseInt(size[1]!, 16);
					if (chunkLeft === 0) {
						// Trailer fields are read and dropped, up to the blank line that ends the message.
						for (let n = 0; (await bytes.until(CRLF, MAX_HEAD_BYTES, "trailer")).byteLength > 0; n++) {
							if (n >= MAX_TRAILER_LINES) throw new Http1Error("too many trailer fields");
						}
						return end(controller);
					}
				}
				const got = await bytes.some(Math.min(chunkLeft, 64 * 1024));
				if (got === undefined) throw new Http1Error("connection closed in a chunk");
				chunkLeft -= got.byteLength;
				controller.enqueue(got);
				if (chunkLeft === 0 && (await bytes.until(CRLF, 0, "chunk end")).byteLength !== 0) throw new Http1Error("bad chunk end");
			} catch (err) {
				finished = true;
				onDone();
				throw err;
			}
		},
		async cancel() {
			if (finished) return;
			finished = true;
			onDone();
			await bytes.cancel().catch(() => {});
		},
	});
}

/**
 * The response on `stream` to a request made with `method`. Interim (1xx) responses are skipped. The
 * head is read before this resolves; the body streams as the caller reads it. `onDone` runs once the
 * body has ended, failed or been cancelled (the caller closes its socket there). Once `signal` aborts,
 * reading stops: the head or body read fails with the signal's reason.
 */
export async function readHttp1Response(
	stream: ReadableStream<Uint8Array>,
	method: string,
	options: { onDone?: () => void; signal?: AbortSignal } = {},
): Promise<Response> {
	const bytes = new ByteReader(stream.getReader(), options.signal);
	const onDone = options.onDone ?? (() => {});
	try {
		let head = await readHead(bytes);
		// 101 would switch protocols, which we never ask for; other 1xx are interim and a final one follows.
		for (let interim = 0; head.status < 200; interim++) {
			if (head.status === 101 || interim >= 5) throw new Http1Error("unexpected interim response");
			head = await readHead(bytes);
		}
		const framing = framingOf(head.status, head.headers, method);
		// The body is decoded here: what the caller sees is the payload, not the transfer coding.
		head.headers.delete("transfer-encoding");
		if (framing.kind === "none" || (framing.kind === "length" && framing.length === 0)) {
			onDone();
			return new Response(null, { status: head.status, headers: head.headers });
		}
		return new Response(bodyStream(bytes, framing, onDone), { status: head.status, headers: head.headers });
	} catch (err) {
		onDone();
		await bytes.cancel().catch(() => {});
		throw err;
	}
}
