// The BagIt (RFC 8493) tag files of an evidence package: bagit.txt, bag-info.txt, manifest-sha256.txt and
// tagmanifest-sha256.txt. Pure: hashes and times come in as arguments.
// Spec: https://www.rfc-editor.org/rfc/rfc8493 (2.1.1 bagit.txt, 2.2.2 bag-info.txt, 2.1.3 / 2.2.1 manifests).
// Design: /work/shared/LAWFUL_ACCESS.md#package

/** A file of the bag with its SHA-256 (hex) and byte length. */
export interface BagFile {
	path: string;
	sha256: string;
	bytes: number;
}

export const BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/** Payload-Oxum (RFC 8493 2.2.2): "octetstream sum"."stream count" of the payload. */
export function payloadOxum(payload: readonly BagFile[]): string {
	return `${payload.reduce((n, f) => n + f.bytes, 0)}.${payload.length}`;
}

export interface BagInfo {
	sourceOrganization: string;
	orderId: string;
	ldids: readonly string[];
	caseReference: string;
	producedAt: number;
	payload: readonly BagFile[];
}

/** Tag values may not span lines unindented (RFC 8493 2.2.2); we never need more than one line. */
function oneLine(value: string): string {
	return value.replace(/[\r\n]+/g, " ");
}

export function bagInfoTxt(info: BagInfo): string {
	const produced = new Date(info.producedAt).toISOString();
	const lines = [
		`Source-Organization: ${oneLine(info.sourceOrganization)}`,
		`Bagging-Date: ${produced.slice(0, 10)}`,
		`External-Identifier: ${oneLine(info.orderId)}`,
		...info.ldids.map((ldid) => `LDID: ${oneLine(ldid)}`),
		`Case-Reference: ${oneLine(info.caseReference)}`,
		`Produced-At: ${produced}`,
		`Payload-Oxum: ${payloadOxum(info.payload)}`,
		"Bag-Software-Agent: sealbridge lawful-access export",
	];
	return `${lines.join("\n")}\n`;
}

/**
 * A manifest: "<checksum> <filepath>" per line, sorted by path (RFC 8493 2.1.3). Paths use "/" and
 * percent-encode CR, LF and "%" as the RFC requires.
 */
export function manifestTxt(files: readonly BagFile[]): string {
	const encode = (p: string) => p.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
	return [...files]
		.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
		.map((f) => `${f.sha256}  ${encode(f.path)}\n`)
		.join("");
}
