// Which hosts outbound requests (federation, URL previews) must never reach: loopback, private, link-local and reserved addresses.
// Guards the fetches a remote caller can trigger (key fetches, notary queries) against SSRF.
// Shared by federation discovery and URL previews (src/platform: both shells use it).
// Ranges: RFC 6890 special-purpose registries (IPv4 and IPv6).

import { parseServerName } from "../../protocol/federation/server-name";
import { type DohOptions, lookupAddresses } from "./doh";

/** Hosts that insecure loopback federation (local tests) may reach over plain HTTP. */
const INSECURE_LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

// [first address as a 32-bit number, prefix length]
const PRIVATE_V4: [number, number][] = [
	[ipv4(0, 0, 0, 0), 8], // "this network"
	[ipv4(10, 0, 0, 0), 8],
	[ipv4(100, 64, 0, 0), 10], // carrier-grade NAT
	[ipv4(127, 0, 0, 0), 8],
	[ipv4(169, 254, 0, 0), 16], // link-local, cloud metadata
	[ipv4(172, 16, 0, 0), 12],
	[ipv4(192, 0, 0, 0), 24],
	[ipv4(192, 0, 2, 0), 24],
	[ipv4(192, 168, 0, 0), 16],
	[ipv4(198, 18, 0, 0), 15],
	[ipv4(198, 51, 100, 0), 24],
	[ipv4(203, 0, 113, 0), 24],
	[ipv4(224, 0, 0, 0), 4], // multicast
	[ipv4(240, 0, 0, 0), 4], // reserved, broadcast
];

function ipv4(a: number, b: number, c: number, d: number): number {
	return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function parseIpv4(host: string): number | undefined {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (!m) return undefined;
	const octets = m.slice(1).map(Number);
	if (octets.some((o) => o > 255)) return undefined;
	return ipv4(octets[0]!, octets[1]!, octets[2]!, octets[3]!);
}

function inV4Range(addr: number, [base, prefix]: [number, number]): boolean {
	const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
	return ((addr & mask) >>> 0) === ((base & mask) >>> 0);
}

/**
 * Eight 16-bit groups of a bracketed IPv6 literal as the URL parser prints it (hex groups,
 * `::` compression, embedded IPv4 already rewritten to hex), or undefined.
 */
function parseIpv6(literal: string): number[] | undefined {
	if (!literal.startsWith("[") || !literal.endsWith("]")) return undefined;
	const halves = literal.slice(1, -1).split("::");
	if (halves.length > 2) return undefined;
	const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
	const head = parse(halves[0]!);
	const tail = halves.length === 2 ? parse(halves[1]!) : [];
	const given = head.length + tail.length;
	if ([...head, ...tail].some(Number.isNaN)) return undefined;
	if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
	return [...head, ...new Array<number>(8 - given).fill(0), ...tail];
}

function isPrivateV6(groups: number[]): boolean {
	const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
	const v4Tail = ((g6 << 16) >>> 0) + g7;
	if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
		if (g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return true; // :: and ::1
		if (g5 === 0xffff || g5 === 0) return isPrivateV4(v4Tail); // IPv4-mapped and -compatible
	}
	if (g0 === 0x64 && g1 === 0xff9b) return isPrivateV4(v4Tail); // NAT64
	if ((g0 & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
	if ((g0 & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
	if ((g0 & 0xff00) === 0xff00) return true; // multicast
	if (g0 === 0x2001 && g1 === 0x0db8) return true; // documentation
	return false;
}

function isPrivateV4(addr: number): boolean {
	return PRIVATE_V4.some((range) => inV4Range(addr, range));
}

/**
 * The host as fetch() would read it: the URL parser turns `2130706433` or `0x7f.1` into
 * `127.0.0.1`, so checks run on its output, never on the raw server name.
 */
export function normaliseHost(host: string): string | undefined {
	try {
		return new URL(`http://${host}/`).hostname.toLowerCase();
	} catch {
		return undefined;
	}
}

/** True for `localhost`, `*.localhost` and loopback IP literals, however spelled. */
export function isLoopbackHost(host: string): boolean {
	const h = normaliseHost(host);
	if (h === undefined) return false;
	if (h === "localhost" || h.endsWith(".localhost")) return true;
	const v4 = parseIpv4(h);
	if (v4 !== undefined) return inV4Range(v4, [ipv4(127, 0, 0, 0), 8]);
	const v6 = parseIpv6(h);
	if (!v6) return false;
	const isV6Loopback = v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1;
	const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff;
	return isV6Loopback || (mapped && v6[6]! >>> 8 === 127);
}

/** Whether insecure loopback federation may reach this host: only the three plain spellings. */
export function isInsecureLoopbackHost(host: string): boolean {
	return INSECURE_LOOPBACK_HOSTS.has(host.toLowerCase());
}

/** True when a host is an IP literal in a private, loopback, link-local or reserved range (or unparsable). */
export function isPrivateHost(host: string): boolean {
	const h = normaliseHost(host);
	if (h === undefined) return true;
	if (h === "localhost" || h.endsWith(".localhost")) return true;
	const v4 = parseIpv4(h);
	if (v4 !== undefined) return isPrivateV4(v4);
	if (h.startsWith("[")) {
		const v6 = parseIpv6(h);
		return v6 === undefined || isPrivateV6(v6);
	}
	return false;
}

/**
 * True when `host` may be contacted: not a private/loopback literal, and (for DNS names) none of its
 * A/AAAA addresses is private. Workers resolve names themselves when they fetch, so this is a check on
 * the answer the resolver gives now; it stops a name that plainly points inside, not DNS rebinding.
 */
export async function isPublicHost(host: string, doh: DohOptions): Promise<boolean> {
	const parts = parseServerName(host);
	const bare = parts?.host ?? host;
	if (isLoopbackHost(bare) || isPrivateHost(bare)) return false;
	if (parts && parts.kind !== "dns") return true;
	const addresses = await lookupAddresses(bare, doh);
	// No answer at all: the fetch would fail anyway; let it, rather than guess.
	return addresses === undefined || addresses.every((a) => !isPrivateHost(a));
}
