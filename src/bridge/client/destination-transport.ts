// Sending one HTTP request to one of a discovered destination's targets with the names the spec
// prescribes. fetch() takes the TLS server name and the Host header from the URL, which is right unless
// an SRV lookup chose the target: then the spec has us connect to the SRV target while verifying the
// certificate for, and sending a Host header of, the server's hostname, which needs our own socket.
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names

import { fetchOverSocket } from "../../platform/net/http1-over-socket";
import { parseServerName } from "../../protocol/federation/server-name";
import type { Destination } from "../discovery/discover-destination";

export interface TargetRequest {
	method: string;
	headers: Record<string, string>;
	body?: string;
	signal: AbortSignal;
}

/**
 * Whether fetch() would get the names wrong for `url`. Only the host is compared: fetch's Host header
 * carries the port when it is not 443, which servers accept for the steps that name none. Loopback peers
 * (local testing) are always fetched.
 */
export function needsOwnTransport(url: URL, destination: Destination): boolean {
	if (destination.step === "loopback" || url.protocol !== "https:") return false;
	// An IP literal to verify (steps 1 and 3.1) is also the address connected to: fetch gets it right.
	if (parseServerName(destination.tlsName)?.kind !== "dns") return false;
	const host = url.hostname.toLowerCase();
	return host !== destination.tlsName.toLowerCase() || host !== parseServerName(destination.hostHeader)?.host.toLowerCase();
}

/** The response from `baseUrl` (one of `destination.baseUrls`) for `path`; throws on a connection failure. */
export function sendToTarget(destination: Destination, baseUrl: string, path: string, init: TargetRequest, fetcher: typeof fetch = globalThis.fetch): Promise<Response> {
	const url = new URL(`${baseUrl}${path}`);
	const body = init.body === undefined ? {} : { body: init.body };
	if (needsOwnTransport(url, destination)) {
		return fetchOverSocket({ host: url.hostname, port: Number(url.port || 443), tlsName: destination.tlsName, hostHeader: destination.hostHeader, method: init.method, target: path, headers: init.headers, ...body, signal: init.signal });
	}
	// Federation endpoints never redirect; following one could lead anywhere, past the SSRF guard.
	return fetcher(url, { method: init.method, headers: init.headers, ...body, redirect: "manual", signal: init.signal });
}
