// Where to reach a remote server by its name: a first, minimal resolver without well-known or SRV.
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names (steps 1–2 only, for now)

import { parseServerName } from "../../protocol/federation/server-name";
import { isInsecureLoopbackHost, isLoopbackHost, isPrivateHost } from "../../platform/net/private-address";

export interface ResolveOptions {
	/** FEDERATION_INSECURE_LOOPBACK: loopback servers are reached over plain HTTP (local tests only). */
	allowInsecureLoopback: boolean;
	/** How allowed loopback peers are reached: plain HTTP, or HTTPS to a TLS front (FEDERATION_CA_FILE). */
	loopbackScheme?: "http" | "https";
}

export type ResolvedServer = { ok: true; baseUrl: string } | { ok: false; reason: string };

/** The federation port when the server name carries none. */
export const DEFAULT_FEDERATION_PORT = 8448;

/**
 * Resolves a server name to a base URL (`scheme://host:port`, no trailing slash).
 * `127.0.0.1`, `localhost` and `[::1]` go to `http://` only when insecure loopback federation is
 * enabled; every other private, link-local or loopback literal is refused, so a remote caller
 * cannot point our fetches at internal addresses. Hostnames that merely resolve to private addresses are not caught here:
 * Workers cannot see DNS answers; the later discovery issue owns that.
 */
export function resolveServer(serverName: string, options: ResolveOptions): ResolvedServer {
	const parts = parseServerName(serverName);
	if (!parts) return { ok: false, reason: "invalid server name" };
	const port = parts.port ?? DEFAULT_FEDERATION_PORT;
	if (isLoopbackHost(parts.host)) {
		if (!options.allowInsecureLoopback || !isInsecureLoopbackHost(parts.host)) {
			return { ok: false, reason: "loopback destination refused" };
		}
		return { ok: true, baseUrl: `${options.loopbackScheme ?? "http"}://${parts.host}:${port}` };
	}
	if (isPrivateHost(parts.host)) return { ok: false, reason: "private destination refused" };
	// Step 1–2 of the spec: an IP literal or an explicit port is used as is; with no port, 8448.
	return { ok: true, baseUrl: `https://${parts.host}:${port}` };
}
