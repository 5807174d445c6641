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
}

/** HTTPS on `port`, passed through to the plain-HTTP server on `target`. */
export function startTlsFront(key: string, cert: string, port: number, target: number): Promise<TlsFront> {
	const front: TlsFront = { server: undefined as unknown as Server, hosts: [], handshakeErrors: [] };
	front.server = createHttpsServer({ key, cert }, (req, res) => {
		front.hosts.push(req.headers.host ?? "");
		const upstream = httpRequest({ host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
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
	return new Promise((ok) => front.server.listen(port, "127.0.0.1", () => ok(front)));
}
