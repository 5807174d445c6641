// Server names: the grammar every `origin`, `destination` and key owner must follow.
// Spec: https://spec.matrix.org/latest/appendices/#server-name

/** A server name split into its parts. `port` is undefined when the name carries none. */
export interface ServerNameParts {
	/** The host as written, IPv6 literals keep their brackets (`[::1]`). */
	host: string;
	kind: "ipv4" | "ipv6" | "dns";
	port: number | undefined;
}

// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
// IPv6address = 2*45IPv6char, IPv6char = DIGIT / %x41-46 / %x61-66 / ":" / "."
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
// dns-name = 1*255dns-char, dns-char = DIGIT / ALPHA / "-" / "."
const DNS = /^[0-9A-Za-z.-]{1,255}$/;
const PORT = /^\d{1,5}$/;

/** Splits and checks a server name (`hostname [":" port]`); undefined if it breaks the grammar. */
export function parseServerName(name: string): ServerNameParts | undefined {
	// The spec caps the whole server name at 255 characters for use in IDs.
	if (name.length === 0 || name.length > 255) return undefined;
	let host: string;
	let portText: string | undefined;
	if (name.startsWith("[")) {
		const close = name.indexOf("]");
		if (close < 0) return undefined;
		host = name.slice(0, close + 1);
		const rest = name.slice(close + 1);
		if (rest !== "") {
			if (!rest.startsWith(":")) return undefined;
			portText = rest.slice(1);
		}
		if (!IPV6.test(host.slice(1, -1))) return undefined;
	} else {
		const colon = name.lastIndexOf(":");
		host = colon < 0 ? name : name.slice(0, colon);
		portText = colon < 0 ? undefined : name.slice(colon + 1);
		if (!DNS.test(host)) return undefined;
	}
	let port: number | undefined;
	if (portText !== undefined) {
		if (!PORT.test(portText)) return undefined;
		port = Number(portText);
		if (port < 1 || port > 65535) return undefined;
	}
	const kind = host.startsWith("[") ? "ipv6" : IPV4.test(host) ? "ipv4" : "dns";
	if (kind === "ipv4" && host.split(".").some((octet) => Number(octet) > 255)) return undefined;
	return { host, kind, port };
}

export function isValidServerName(name: string): boolean {
	return parseServerName(name) !== undefined;
}

// Key IDs are `<algorithm>:<version>`, and the version must match [a-zA-Z0-9_].
// Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys
const KEY_ID = /^ed25519:[A-Za-z0-9_]+$/;

/** True for an Ed25519 server key ID, the only algorithm Matrix signs with. */
export function isEd25519KeyId(keyId: string): boolean {
	return KEY_ID.test(keyId);
}
