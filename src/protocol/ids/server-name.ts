// Server names: `hostname [":" port]` where hostname is a DNS name, an IPv4 literal or a bracketed IPv6 literal.
// Spec: https://spec.matrix.org/latest/appendices/#server-name

import { invalidId } from "./common";

export type ServerName = string & { readonly __brand: "ServerName" };

export interface ServerNameParts {
	/** The host as written; IPv6 literals keep their brackets (`[::1]`). */
	host: string;
	kind: "dns" | "ipv4" | "ipv6";
	/** 1–65535, or undefined when the name has no port. */
	port: number | undefined;
}

// dns-name = 1*255dns-char ; dns-char = DIGIT / ALPHA / "-" / "."
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
const IPV4_SHAPE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
// IPv6address = 2*45IPv6char ; IPv6char = DIGIT / %x41-46 / %x61-66 / ":" / "."
const IPV6_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;
// port = 1*5DIGIT, and the brief of a TCP port: 1–65535.
const PORT = /^\d{1,5}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** "IPv4 literals must be a sequence of four decimal numbers in the range 0 to 255, separated by `.`" */
export function isIpv4Literal(s: string): boolean {
	return IPV4_SHAPE.test(s) && s.split(".").every((octet) => Number(octet) <= 255);
}

/** "IPv6 literals must be as specified by RFC3513, section 2.2" (without brackets; no zone IDs). */
export function isIpv6Literal(s: string): boolean {
	if (!IPV6_CHARS.test(s)) return false;
	let text = s;
	if (text.includes(".")) {
		// Form 3 of RFC 3513 2.2: the low 32 bits as a dotted IPv4 address, worth two groups.
		const lastColon = text.lastIndexOf(":");
		if (lastColon < 0 || !isIpv4Literal(text.slice(lastColon + 1))) return false;
		text = `${text.slice(0, lastColon + 1)}0:0`;
	}
	const gap = text.indexOf("::");
	if (gap < 0) {
		const groups = text.split(":");
		return groups.length === 8 && groups.every((g) => HEX_GROUP.test(g));
	}
	// "The use of "::" indicates one or more groups of 16 bits of zeros. The "::" can only appear once."
	if (text.indexOf("::", gap + 1) >= 0) return false;
	const left = text.slice(0, gap);
	const right = text.slice(gap + 2);
	const groups = [...(left === "" ? [] : left.split(":")), ...(right === "" ? [] : right.split(":"))];
	return groups.length <= 7 && groups.every((g) => HEX_GROUP.test(g));
}

/** Splits a server name into host, kind and port; undefined if it breaks the grammar. */
export function splitServerName(name: string): ServerNameParts | undefined {
	let host: string;
	let rest: string;
	let kind: ServerNameParts["kind"];
	if (name.startsWith("[")) {
		const close = name.indexOf("]");
		if (close < 0 || !isIpv6Literal(name.slice(1, close))) return undefined;
		host = name.slice(0, close + 1);
		rest = name.slice(close + 1);
		kind = "ipv6";
	} else {
		const colon = name.indexOf(":");
		host = colon < 0 ? name : name.slice(0, colon);
		rest = colon < 0 ? "" : name.slice(colon);
		if (!DNS_NAME.test(host)) return undefined;
		// A dotted quad is read as an IPv4 literal, so its octets must be in range.
		kind = IPV4_SHAPE.test(host) ? "ipv4" : "dns";
		if (kind === "ipv4" && !isIpv4Literal(host)) return undefined;
	}
	if (rest === "") return { host, kind, port: undefined };
	if (!rest.startsWith(":") || !PORT.test(rest.slice(1))) return undefined;
	const port = Number(rest.slice(1));
	if (port < 1 || port > 65535) return undefined;
	return { host, kind, port };
}

/** A server name as the grammar allows it (what we must accept from other servers). */
export function parseServerName(s: unknown): ServerName | undefined {
	return typeof s === "string" && splitServerName(s) !== undefined ? (s as ServerName) : undefined;
}

/** Like `parseServerName`, but throws `M_INVALID_PARAM`. */
export function requireServerName(s: unknown, what = "server name"): ServerName {
	return parseServerName(s) ?? invalidId(what, s);
}

// RFC 1123 labels: 1–63 alphanumerics or hyphens, not starting or ending with a hyphen.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * The spec's recommendations on top of the grammar, for names we choose ourselves (our own
 * `server_name`): conventional hostname labels, no upper case, at most 230 characters.
 */
export function isRecommendedServerName(name: string): boolean {
	const parts = splitServerName(name);
	if (!parts || name.length > 230 || name !== name.toLowerCase()) return false;
	if (parts.kind !== "dns") return true;
	return parts.host.split(".").every((label) => LABEL.test(label));
}
