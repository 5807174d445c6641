// SRV answers from a DNS-over-HTTPS JSON resolver, and their order of use per RFC 2782.
// Pure: randomness comes in as an argument. Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names
// (steps 3.3, 3.4, 4, 5); RFC 2782 "Usage rules"; DoH JSON: https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/

export interface SrvRecord {
	priority: number;
	weight: number;
	port: number;
	/** Without the trailing dot. */
	target: string;
	ttlSeconds: number;
}

/** DNS RR type numbers used in DoH JSON answers. */
export const DNS_TYPE = { A: 1, CNAME: 5, AAAA: 28, SRV: 33 } as const;

interface DohAnswer {
	type: number;
	data: string;
	TTL: number;
}

/** The `Answer` rows of a DoH JSON response of the given type; [] for NXDOMAIN or anything malformed. */
export function dohAnswers(json: unknown, type: number): DohAnswer[] {
	if (typeof json !== "object" || json === null) return [];
	const record = json as Record<string, unknown>;
	// Status is the DNS RCODE: 0 NOERROR; 3 NXDOMAIN means "no such record", the same as an empty answer.
	if (record.Status !== 0 || !Array.isArray(record.Answer)) return [];
	const rows: DohAnswer[] = [];
	for (const a of record.Answer as unknown[]) {
		if (typeof a !== "object" || a === null) continue;
		const { type: t, data, TTL } = a as Record<string, unknown>;
		if (t === type && typeof data === "string") rows.push({ type: t, data, TTL: typeof TTL === "number" && TTL >= 0 ? TTL : 0 });
	}
	return rows;
}

/** SRV records from a DoH JSON response. `data` is "priority weight port target." */
export function parseSrvAnswer(json: unknown): SrvRecord[] {
	const out: SrvRecord[] = [];
	for (const a of dohAnswers(json, DNS_TYPE.SRV)) {
		const m = /^(\d+)\s+(\d+)\s+(\d+)\s+(\S+)$/.exec(a.data.trim());
		if (!m) continue;
		const [priority, weight, port] = [Number(m[1]), Number(m[2]), Number(m[3])];
		if (priority > 65535 || weight > 65535 || port < 1 || port > 65535) continue;
		const target = m[4]!.replace(/\.$/, "").toLowerCase();
		// RFC 2782: "A Target of '.' means that the service is decidedly not available at this domain."
		if (target === "") continue;
		out.push({ priority, weight, port, target, ttlSeconds: a.TTL });
	}
	return out;
}

/** Addresses (A or AAAA data) from a DoH JSON response. */
export function parseAddressAnswer(json: unknown, type: typeof DNS_TYPE.A | typeof DNS_TYPE.AAAA): string[] {
	return dohAnswers(json, type).map((a) => a.data.trim());
}

/**
 * RFC 2782 order: ascending priority; within one priority, repeated weighted random selection
 * (zero-weight records get a small chance, placed first before drawing as the RFC suggests).
 * `random` returns a number in [0, 1).
 */
export function orderSrvRecords(records: readonly SrvRecord[], random: () => number): SrvRecord[] {
	const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
	const ordered: SrvRecord[] = [];
	for (const p of priorities) {
		// "arrange all SRV RRs (that have not been ordered yet) in any order, except that all those with weight 0 are placed at the beginning"
		const pool = records.filter((r) => r.priority === p).sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
		while (pool.length > 0) {
			const total = pool.reduce((s, r) => s + r.weight, 0);
			// "choose a uniform random number between 0 and the sum computed (inclusive)"
			const pick = Math.floor(random() * (total + 1));
			let running = 0;
			let index = pool.length - 1;
			for (let i = 0; i < pool.length; i++) {
				running += pool[i]!.weight;
				if (running >= pick) {
					index = i;
					break;
				}
			}
			ordered.push(pool.splice(index, 1)[0]!);
		}
	}
	return ordered;
}
