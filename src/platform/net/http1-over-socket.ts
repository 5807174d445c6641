// One HTTPS request over a socket we open ourselves, for when the address to connect to is not the name
// the certificate must be valid for. fetch() takes both the TLS server name and the Host header from the
// URL; the federation spec's SRV steps connect to the SRV target but verify the certificate for, and
// send a Host header of, the (delegated) server hostname.
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names (steps 3.3, 3.4, 4, 5)
// HTTP/1.1: RFC 9112 (request line, fields, Content-Length); one request per connection (Connection: close).

import { connect } from "cloudflare:sockets";
import { type Http1Request, http1RequestBytes, readHttp1Response, untilAborted } from "./http1-message";

export interface SocketRequest extends Http1Request {
	/** Where to connect: a DNS name or an IP literal (IPv6 in brackets). */
	host: string;
	port: number;
	/** The name sent as SNI that the server's certificate must be valid for. */
	tlsName: string;
	/** Ends the connection, the head read and the body read alike. */
	signal: AbortSignal;
}

/**
 * Sends `req` over TLS to `host:port`, verifying the certificate for `tlsName`, and returns the response
 * as a standard Response whose body streams off the socket (the caller bounds how much it reads).
 * Connection, TLS and framing failures throw; an aborted signal throws its reason.
 */
export async function fetchOverSocket(req: SocketRequest): Promise<Response> {
	req.signal.throwIfAborted();
	const bytes = http1RequestBytes(req);
	const hostname = req.host.startsWith("[") ? req.host.slice(1, -1) : req.host;
	// "starttls" then startTls(): the only way Workers let us name the server the certificate is checked against.
	const plain = connect({ hostname, port: req.port }, { secureTransport: "starttls", allowHalfOpen: false });
	const socket = plain.startTls({ expectedServerHostname: req.tlsName });
	let closed = false;
	const close = () => {
		if (closed) return;
		closed = true;
		req.signal.removeEventListener("abort", close);
		socket.close().catch(() => {});
	};
	req.signal.addEventListener("abort", close, { once: true });
	try {
		await untilAborted(socket.opened, req.signal);
		const writer = socket.writable.getWriter();
		await untilAborted(writer.write(bytes), req.signal);
		writer.releaseLock();
		return await readHttp1Response(socket.readable, req.method, { onDone: close, signal: req.signal });
	} catch (err) {
		close();
		if (req.signal.aborted) throw req.signal.reason;
		throw err;
	}
}
