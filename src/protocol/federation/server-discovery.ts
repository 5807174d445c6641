// The spec's server discovery steps, given lookups as functions: where to connect, which Host header to
// send and which name the certificate must be valid for. Pure; the shell does the DNS and HTTP fetches.
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names

import { parseServerName } from "./server-name";
import type { SrvRecord } from "./srv-records";
import type { WellKnownResult } from "./well-known-server";

export const DEFAULT_FEDERATION_PORT = 8448;

/** One address to connect to, in order of preference. */
export interface DiscoveryTarget {
	/** A DNS name or an IP literal (IPv6 in brackets). */
	host: string;
	port: number;
}

/** Which numbered step of the spec produced the answer (for logs and tests). */
export type DiscoveryStep = "1" | "2" | "3.1" | "3.2" | "3.3" | "3.4" | "3.5" | "4" | "5" | "6";

export interface Discovered {
	/** Tried in order; SRV answers can give several. */
	targets: DiscoveryTarget[];
	/** The `Host` header the spec prescribes for this step. */
	hostHeader: string;
	/** The name the target's TLS certificate must be valid for (and the SNI to send). */
	tlsName: string;
	step: DiscoveryStep;
	/** The shortest TTL (seconds) of the DNS answers used; undefined when no DNS answer was used. */
	dnsTtlSeconds?: number;
}

export interface DiscoveryLookups {
	/** `https://<hostname>/.well-known/matrix/server`, parsed; any error is `ok: false`. */
	wellKnown(hostname: string): Promise<WellKnownResult>;
	/** SRV records of `name`, already in RFC 2782 order; [] when there are none. */
	srv(name: string): Promise<SrvRecord[]>;
}

export type DiscoveryResult = { ok: true; value: Discovered } | { ok: false; reason: string };

/** Steps 3.3–3.5 and 4–6 share a shape: SRV `_matrix-fed`, then legacy `_matrix`, then port 8448. */
async function srvThenDefault(hostname: string, lookups: DiscoveryLookups, steps: [DiscoveryStep, DiscoveryStep, DiscoveryStep]): Promise<Discovered> {
	const services = ["_matrix-fed._tcp", "_matrix._tcp"] as const;
	for (let i = 0; i < services.length; i++) {
		const records = await lookups.srv(`${services[i]}.${hostname}`);
		if (records.length > 0) {
			// "Requests must be made to the resolved IP address and port with a Host header containing the
			// <hostname>. The target server must present a valid certificate for <hostname>."
			return {
				targets: records.map((r) => ({ host: r.target, port: r.port })),
				hostHeader: hostname,
				tlsName: hostname,
				step: steps[i]!,
				dnsTtlSeconds: Math.min(...records.map((r) => r.ttlSeconds)),
			};
		}
	}
	return { targets: [{ host: hostname, port: DEFAULT_FEDERATION_PORT }], hostHeader: hostname, tlsName: hostname, step: steps[2] };
}

/** Runs the discovery steps for `serverName`. */
export async function discoverServer(serverName: string, lookups: DiscoveryLookups): Promise<DiscoveryResult> {
	const parts = parseServerName(serverName);
	if (!parts) return { ok: false, reason: "invalid server name" };
	const { host, port } = parts;
	// Step 1: "If the hostname is an IP literal, then that IP address should be used, together with the
	// given port number, or 8448 if no port is given." Host header: the server name, with its port if any.
	if (parts.kind !== "dns") {
		return { ok: true, value: { targets: [{ host, port: port ?? DEFAULT_FEDERATION_PORT }], hostHeader: serverName, tlsName: host, step: "1" } };
	}
	// Step 2: an explicit port: that host and port, Host header the original server name (with port).
	if (port !== undefined) {
		return { ok: true, value: { targets: [{ host, port }], hostHeader: serverName, tlsName: host, step: "2" } };
	}
	// Step 3: `/.well-known/matrix/server`.
	const wellKnown = await lookups.wellKnown(host);
	if (wellKnown.ok) {
		const d = wellKnown.delegated;
		// 3.1: a delegated IP literal, with the delegated port or 8448; Host header the IP (with port if given).
		if (d.kind !== "dns") {
			return { ok: true, value: { targets: [{ host: d.host, port: d.port ?? DEFAULT_FEDERATION_PORT }], hostHeader: d.name, tlsName: d.host, step: "3.1" } };
		}
		// 3.2: a delegated hostname with a port: Host header `<delegated_hostname>:<delegated_port>`.
		if (d.port !== undefined) {
			return { ok: true, value: { targets: [{ host: d.host, port: d.port }], hostHeader: d.name, tlsName: d.host, step: "3.2" } };
		}
		// 3.3–3.5: SRV on the delegated hostname, then the delegated hostname on 8448.
		return { ok: true, value: await srvThenDefault(d.host, lookups, ["3.3", "3.4", "3.5"]) };
	}
	// Steps 4–6: "If the /.well-known request resulted in an error response", SRV on the hostname, then 8448.
	return { ok: true, value: await srvThenDefault(host, lookups, ["4", "5", "6"]) };
}
