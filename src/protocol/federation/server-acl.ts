// Server ACLs: whether an `m.room.server_acl` content lets a server take part in the room.
// Spec: https://spec.matrix.org/latest/client-server-api/#server-access-control-lists-acls-for-rooms

import type { JsonObject, JsonValue } from "../events/pdu";

function globToRegExp(glob: string): RegExp {
	// "`*` ... matches zero or more characters, `?` ... matches exactly one character." Everything else is literal.
	const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
	// Server names compare case-insensitively (DNS names), as Synapse compares them.
	return new RegExp(`^${body}$`, "i");
}

function globs(value: JsonValue | undefined): RegExp[] {
	if (!Array.isArray(value)) return [];
	return value.filter((v): v is string => typeof v === "string").map(globToRegExp);
}

/** The host part of a server name: "the port of a server name is ignored" for ACL matching. */
function hostOf(serverName: string): string {
	if (serverName.startsWith("[")) {
		const end = serverName.indexOf("]");
		return end === -1 ? serverName : serverName.slice(0, end + 1);
	}
	const colon = serverName.lastIndexOf(":");
	return colon === -1 ? serverName : serverName.slice(0, colon);
}

function isIpLiteral(host: string): boolean {
	return host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/**
 * Whether `serverName` may participate under this ACL content (null: no ACL, everyone may). Spec order:
 * IP literals when `allow_ip_literals` is false are denied; then any `deny` match denies; then an `allow`
 * match allows; otherwise the server is denied.
 */
export function serverAllowedByAcl(content: JsonObject | null, serverName: string): boolean {
	if (content === null) return true;
	const host = hostOf(serverName);
	if (content.allow_ip_literals === false && isIpLiteral(host)) return false;
	if (globs(content.deny).some((re) => re.test(host))) return false;
	return globs(content.allow).some((re) => re.test(host));
}
