// Where to send a federation request for one server name: the spec's discovery steps (pure, in
// protocol/federation/server-discovery.ts) fed with real lookups, behind the SSRF guard.
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names

import { discoverServer, DEFAULT_FEDERATION_PORT, type DiscoveryStep } from "../../protocol/federation/server-discovery";
import { parseServerName } from "../../protocol/federation/server-name";
import { type DohOptions, lookupSrv } from "../../platform/net/doh";
import { isInsecureLoopbackHost, isLoopbackHost, isPrivateHost, isPublicHost } from "../../platform/net/private-address";
import { fetchWellKnown } from "./well-known";

export interface DiscoverOptions {
	cache: KVNamespace;
	dohUrl: string;
	/** FEDERATION_INSECURE_LOOPBACK: loopback `host:port` names are reached over plain HTTP. */
	allowInsecureLoopback: boolean;
	/** How allowed loopback peers are reached: plain HTTP, or HTTPS to a TLS front (FEDERATION_CA_FILE). */
	loopbackScheme?: "http" | "https";
	now: () => number;
	fetcher?: typeof fetch;
}

/** A resolved destination: base URLs to try in order, and the names the spec prescribes for it. */
export interface Destination {
	/** `scheme://host:port` without a trailing slash, one per target. */
	baseUrls: string[];
	hostHeader: string;
	tlsName: string;
	step: DiscoveryStep | "loopback";
}

export type DiscoverResult = { ok: true; value: Destination } | { ok: false; reason: string };

export async function discoverDestination(serverName: string, options: DiscoverOptions): Promise<DiscoverResult> {
	const parts = parseServerName(serverName);
	if (!parts) return { ok: false, reason: "invalid server name" };
	// The existing guard's rule: loopback names only with FEDERATION_INSECURE_LOOPBACK and only the three
	// plain spellings, over HTTP, at the given port (or 8448); nothing else loopback or private at all.
	if (isLoopbackHost(parts.host)) {
		if (!options.allowInsecureLoopback || !isInsecureLoopbackHost(parts.host)) return { ok: false, reason: "loopback destination refused" };
		const port = parts.port ?? DEFAULT_FEDERATION_PORT;
		return { ok: true, value: { baseUrls: [`${options.loopbackScheme ?? "http"}://${parts.host}:${port}`], hostHeader: serverName, tlsName: parts.host, step: "loopback" } };
	}
	if (isPrivateHost(parts.host)) return { ok: false, reason: "private destination refused" };

	const doh: DohOptions = { dohUrl: options.dohUrl, ...(options.fetcher ? { fetcher: options.fetcher } : {}) };
	const allowed = (host: string) => isPublicHost(host, doh);
	const found = await discoverServer(serverName, {
		wellKnown: async (hostname) => {
			if (!(await allowed(hostname))) return { ok: false, reason: "well-known host refused" };
			return fetchWellKnown(hostname, { cache: options.cache, now: options.now, isAllowedHost: allowed, ...(options.fetcher ? { fetcher: options.fetcher } : {}) });
		},
		srv: (name) => lookupSrv(name, doh),
	});
	if (!found.ok) return found;
	// FEDERATION_INSECURE_LOOPBACK only (local tests; refused in production): an SRV answer may point at a
	// plain loopback address, so the SRV transport (connect to the target, verify the certificate for the
	// server's hostname) can be run end to end against a local resolver and TLS server.
	const srvStep = found.value.step === "3.3" || found.value.step === "3.4" || found.value.step === "4" || found.value.step === "5";
	const loopbackTarget = (host: string) => options.allowInsecureLoopback && srvStep && isInsecureLoopbackHost(host);
	const baseUrls: string[] = [];
	for (const target of found.value.targets) {
		if (loopbackTarget(target.host) || (await allowed(target.host))) baseUrls.push(`https://${target.host}:${target.port}`);
	}
	if (baseUrls.length === 0) return { ok: false, reason: "private destination refused" };
	return { ok: true, value: { baseUrls, hostHeader: found.value.hostHeader, tlsName: found.value.tlsName, step: found.value.step } };
}
