// Server discovery documents: /.well-known/matrix/client and /.well-known/matrix/server.
// Spec: https://spec.matrix.org/latest/client-server-api/#well-known-uris
// and https://spec.matrix.org/latest/server-server-api/#getwell-knownmatrixserver

import type { Config } from "../../platform/config";
import type { Endpoint } from "../http/endpoint";
import { parseServerName } from "../../protocol/federation/server-name";

/**
 * Where other servers should send federation traffic: WELL_KNOWN_SERVER, else our own name. A name
 * without a port gets `:443`: whoever reads this document reached us over HTTPS on 443, while a bare
 * name would send them to the default federation port 8448, which Workers do not listen on.
 */
export function delegatedServer(config: Config): string {
	if (config.wellKnownServer) return config.wellKnownServer;
	return parseServerName(config.serverName)?.port === undefined ? `${config.serverName}:443` : config.serverName;
}

export const wellKnownEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/.well-known/matrix/client",
		auth: "none",
		rateLimit: null,
		handler: (c) => c.json({ "m.homeserver": { base_url: c.get("config").publicBaseUrl } }),
	},
	{
		method: "GET",
		path: "/.well-known/matrix/server",
		auth: "none",
		rateLimit: null,
		handler: (c) => c.json({ "m.server": delegatedServer(c.get("config")) }),
	},
];
