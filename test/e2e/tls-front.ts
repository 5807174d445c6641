// A TLS front for e2e tests: HTTPS on a loopback port with a given certificate, passed through to a
// plain-HTTP server (test scaffolding standing in for a reverse proxy, not one of our components). It
// records what a test checks: the Host header of each request, and each handshake a client broke off.
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";

export interface TlsFront {
	server: Server;
	/** The Host header of every request that got through the handshake. */
	hosts: string[];
	/** One message per failed handshake (a client that refused the certificate, say). */
	handshakeErrors: string[];
	/** The port the front listens on. */
	port: number;
	/** The plain-HTTP port requests pass to; set once the server behind has started (502 until then). */
	target: number | null;
}

/**
 * HTTPS on a free loopback port the system picks, passed through to the plain-HTTP server on `front.target`.
 * The front binds first and the server behind starts after (its name carries the front's port): a port
 * picked in advance could be taken by another process before the front bound it.
 */
export function startTlsFront(key: string, cert: string): Promise<TlsFront> {
	const front: TlsFront = { server: undefined as unknown as Server, hosts: [], handshakeErrors: [], port: 0, target: null };
	front.server = createHttpsServer({ key, cert }, (req, res) => {
		front.hosts.push(req.headers.host ?? "");
		if (front.target === null) {
			res.writeHead(502);
			res.end();
			return;
		}
		const upstream = httpRequest({ host: "127.0.0.1", port: front.target, method: req.method, path: req.url, headers: req.headers }, (up) => {
			res.writeHead(up.statusCode ?? 502, up.headers);
			up.pipe(res);
		});
		upstream.on("error", () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(upstream);
	});
	front.server.on("tlsClientError", (err) => front.handshakeErrors.push(err.message));
	return new Promise((ok, fail) => {
		front.server.once("error", fail);
		front.server.listen(0, "127.0.0.1", () => {
			const address = front.server.address();
			front.port = typeof address === "object" && address !== null ? address.port : 0;
			ok(front);
		});
	});
}
