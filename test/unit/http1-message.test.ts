// The HTTP/1.1 response reader behind the federation client's own-socket transport (SRV targets): framing
// per RFC 9112, a bounded head, and a body stream that fails rather than ends early on a cut connection.
import { describe, expect, it } from "vitest";
import { readBounded } from "../../src/platform/bounded-read";
import { http1RequestBytes } from "../../src/platform/net/http1-message";
import { MAX_HEAD_BYTES, readHttp1Response } from "../../src/platform/net/http1-message";

const enc = new TextEncoder();

/** A stream that delivers `parts` as separate reads (to cross every boundary a socket might split at). */
function streamOf(...parts: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
	const queue = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p));
	return new ReadableStream({
		pull(controller) {
			const next = queue.shift();
			if (next === undefined) controller.close();
			else controller.enqueue(next);
		},
	});
}

/** Every byte as its own read. */
function byteByByte(text: string): ReadableStream<Uint8Array> {
	return streamOf(...Array.from(enc.encode(text), (b) => new Uint8Array([b])));
}

describe("readHttp1Response", () => {
	it("reads a Content-Length body, however the bytes are split", async () => {
		const raw = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"bcd"}';
		for (const stream of [streamOf(raw), byteByByte(raw)]) {
			let done = 0;
			const res = await readHttp1Response(stream, "GET", { onDone: () => done++ });
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("application/json");
			expect(await res.json()).toEqual({ a: "bcd" });
			expect(done).toBe(1);
		}
	});

	it("decodes a chunked body (sizes in hex, extensions and trailers ignored) and drops Transfer-Encoding", async () => {
		const body = "x".repeat(26);
		const raw = `HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1a;ext=1\r\n${body}\r\n3\r\nyzw\r\n0\r\nX-Trailer: t\r\n\r\n`;
		for (const stream of [streamOf(raw), byteByByte(raw)]) {
			const res = await readHttp1Response(stream, "GET");
			expect(res.status).toBe(404);
			expect(res.headers.get("transfer-encoding")).toBeNull();
			expect(await res.text()).toBe(`${body}yzw`);
		}
	});

	it("reads to the end of the connection when neither length nor chunking is given", async () => {
		const res = await readHttp1Response(streamOf("HTTP/1.0 200\r\n\r\nab", "cd"), "GET");
		expect(await res.text()).toBe("abcd");
	});

	it("skips interim responses and gives no body for 204 or HEAD", async () => {
		const res = await readHttp1Response(streamOf("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), "PUT");
		expect(res.status).toBe(204);
		expect(res.body).toBeNull();
		const head = await readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), "HEAD");
		expect(head.body).toBeNull();
	});

	it("lets the caller's byte limit stop an oversized body without reading it all", async () => {
		let pulls = 0;
		const endless = new ReadableStream<Uint8Array>({
			pull(controller) {
				pulls++;
				controller.enqueue(pulls === 1 ? enc.encode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") : enc.encode(`400\r\n${"z".repeat(1024)}\r\n`));
			},
		});
		const res = await readHttp1Response(endless, "GET");
		expect(await readBounded(res.body!, 10 * 1024)).toBeUndefined();
		expect(pulls).toBeLessThan(20);
	});

	it("refuses a head larger than the bound", async () => {
		const huge = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
		await expect(readHttp1Response(streamOf(huge), "GET")).rejects.toThrow(/too long/);
	});

	it("fails the body when the connection ends early (Content-Length or chunked)", async () => {
		const short = await readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), "GET");
		await expect(short.text()).rejects.toThrow(/closed in the body/);
		const cut = await readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc"), "GET");
		await expect(cut.text()).rejects.toThrow(/closed/);
		const noLast = await readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), "GET");
		await expect(noLast.text()).rejects.toThrow(/closed in the chunk size/);
		await expect(readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"), "GET")).rejects.toThrow(/closed in the response head/);
	});

	it.each([
		["garbage", "hello\r\n\r\n"],
		["HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n"],
		["status out of range", "HTTP/1.1 700 Odd\r\n\r\n"],
		["two-digit status", "HTTP/1.1 20 OK\r\n\r\n"],
		["101 switch", "HTTP/1.1 101 Switching Protocols\r\n\r\n"],
	])("refuses a bad status line: %s", async (_name, raw) => {
		await expect(readHttp1Response(streamOf(raw), "GET")).rejects.toThrow(/bad status line|unexpected interim/);
	});

	it.each([
		["a folded header line", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n", /bad header field/],
		["a space before the colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", /bad header field/],
		["conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", /Content-Length/],
		["a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /Content-Length/],
		["a transfer coding other than chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", /transfer coding/],
	])("refuses %s", async (_name, raw, error) => {
		await expect(readHttp1Response(streamOf(raw), "GET")).rejects.toThrow(error);
	});

	it("accepts repeated but equal Content-Length fields", async () => {
		const res = await readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"), "GET");
		expect(await res.text()).toBe("ok");
	});

	it("refuses a bad chunk size", async () => {
		const res = await readHttp1Response(streamOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"), "GET");
		await expect(res.text()).rejects.toThrow(/bad chunk size/);
	});

	it("stops reading when the signal aborts, with the signal's reason", async () => {
		const controller = new AbortController();
		const hanging = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(enc.encode("HTTP/1.1 200 OK\r\n")) });
		const pending = readHttp1Response(hanging, "GET", { signal: controller.signal });
		controller.abort(new DOMException("timeout", "TimeoutError"));
		await expect(pending).rejects.toMatchObject({ name: "TimeoutError" });
	});
});

describe("http1RequestBytes", () => {
	it("writes the request line, our Host, Content-Length and Connection: close", () => {
		const text = new TextDecoder().decode(
			http1RequestBytes({ method: "PUT", target: "/_matrix/federation/v1/send/1", hostHeader: "example.org", headers: { authorization: "X-Matrix a", host: "evil" }, body: "{\"é\":1}" }),
		);
		expect(text).toBe('PUT /_matrix/federation/v1/send/1 HTTP/1.1\r\nHost: example.org\r\nauthorization: X-Matrix a\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{"é":1}');
	});

	it("refuses values that would split the request", () => {
		expect(() => http1RequestBytes({ method: "GET", target: "/x", hostHeader: "a.org\r\nX: y", headers: {} })).toThrow(/bad header/);
		expect(() => http1RequestBytes({ method: "GET", target: "/x y", hostHeader: "a.org", headers: {} })).toThrow(/bad request line/);
	});
});
