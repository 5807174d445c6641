// DNS lookups through a DNS-over-HTTPS JSON resolver (FEDERATION_DOH_URL): Workers have no resolver API.
// Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names (SRV and address steps);
// the JSON API: https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/

import { DNS_TYPE, orderSrvRecords, parseAddressAnswer, parseSrvAnswer, type SrvRecord } from "../../protocol/federation/srv-records";

export interface DohOptions {
	dohUrl: string;
	/** Looked up at call time so tests can stub the global. */
	fetcher?: typeof fetch;
	timeoutMs?: number;
}

const DEFAULT_DOH_TIMEOUT_MS = 5_000;
/** DoH JSON answers are small; a resolver that streams more is broken or hostile. */
const MAX_DOH_BYTES = 64 * 1024;

/** One DoH JSON query; undefined when the resolver could not be asked or answered nonsense. */
export async function dohQuery(name: string, type: keyof typeof DNS_TYPE, options: DohOptions): Promise<unknown> {
	const url = new URL(options.dohUrl);
	url.searchParams.set("name", name);
	url.searchParams.set("type", type);
	try {
		const res = await (options.fetcher ?? globalThis.fetch)(url.toString(), {
			headers: { accept: "application/dns-json" },
			redirect: "manual",
			signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_DOH_TIMEOUT_MS),
		});
		if (res.status !== 200) {
			await res.body?.cancel();
			return undefined;
		}
		const text = await res.text();
		return text.length > MAX_DOH_BYTES ? undefined : JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * SRV records in RFC 2782 order. A failed lookup counts as "no records" so discovery falls through to
 * the next step, as a resolver answering SERVFAIL would make any other homeserver do.
 */
export async function lookupSrv(name: string, options: DohOptions): Promise<SrvRecord[]> {
	const json = await dohQuery(name, "SRV", options);
	return orderSrvRecords(parseSrvAnswer(json), Math.random);
}

/** The A and AAAA addresses of a host (IPv6 in brackets, as the private-address guard reads them). */
export async function lookupAddresses(host: string, options: DohOptions): Promise<string[] | undefined> {
	const [a, aaaa] = await Promise.all([dohQuery(host, "A", options), dohQuery(host, "AAAA", options)]);
	if (a === undefined && aaaa === undefined) return undefined;
	return [...parseAddressAnswer(a, DNS_TYPE.A), ...parseAddressAnswer(aaaa, DNS_TYPE.AAAA).map((v6) => `[${v6}]`)];
}
